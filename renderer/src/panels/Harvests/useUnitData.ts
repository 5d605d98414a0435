// Fetch something about one unit of a harvest, lazily and debounced (holding an arrow key through the unit table
// must not flood the engine), dropping answers that arrive after the selection moved on.
import { onBeforeUnmount, shallowRef, watch, type Ref, type ShallowRef, type WatchSource } from 'vue';
import { useAsyncLoad } from '../../composables/useAsyncLoad';

export function useUnitData<T>(
  source: WatchSource<unknown>,
  fetch: () => Promise<T>,
): { data: ShallowRef<T | null>; error: Ref<string | null>; loading: Ref<boolean> } {
  const data = shallowRef<T | null>(null);
  const { error, loading, run } = useAsyncLoad();
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function load(): Promise<void> {
    await run(fetch, (d) => (data.value = d));
  }

  watch(
    source,
    () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, data.value ? 120 : 0);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => timer && clearTimeout(timer));
  return { data, error, loading };
}
