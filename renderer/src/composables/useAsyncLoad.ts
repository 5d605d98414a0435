// One load at a time for a panel: a request sequence so an answer that arrives after a newer request is dropped,
// a loading flag and the error as one sentence. Panels call `run(fetch, apply)` whenever their selection changes.
import { ref, type Ref } from 'vue';
import { errorMessage } from '../api';

export interface AsyncLoad {
  loading: Ref<boolean>;
  error: Ref<string | null>;
  /** Fetches; applies the answer (or on failure sets the error and calls `fail`) only if no newer run or cancel came since. True when applied. */
  run<T>(fetch: () => Promise<T>, apply: (value: T) => void, fail?: () => void): Promise<boolean>;
  /** Drops any answer still on its way (the selection was cleared). */
  cancel(): void;
}

export function useAsyncLoad(): AsyncLoad {
  const loading = ref(false);
  const error = ref<string | null>(null);
  let seq = 0;
  async function run<T>(fetch: () => Promise<T>, apply: (value: T) => void, fail?: () => void): Promise<boolean> {
    const my = ++seq;
    loading.value = true;
    error.value = null;
    try {
      const value = await fetch();
      if (my !== seq) return false;
      apply(value);
      return true;
    } catch (err) {
      if (my === seq) {
        error.value = errorMessage(err);
        fail?.();
      }
      return false;
    } finally {
      if (my === seq) loading.value = false;
    }
  }
  function cancel(): void {
    ++seq;
    loading.value = false;
    error.value = null;
  }
  return { loading, error, run, cancel };
}
