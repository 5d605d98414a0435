// The lab's memory cap for in-memory working sets (shuffle windows, cached whitened data, …). Activation sets larger
// than the cap are streamed from the project file. Set with CAJAL_MEMORY_CAP_MB; the default suits a desktop.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const DEFAULT_CAP_MB = 2048;

export function memoryCapBytes(): number {
  const raw = Number(process.env.CAJAL_MEMORY_CAP_MB);
  return (Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_CAP_MB) * 1024 * 1024;
}

/** A working set may take this share of the cap; the rest is the runtime, the model weights and the optimizer. */
export function workingSetBytes(share = 0.25): number {
  return Math.floor(memoryCapBytes() * share);
}

/**
 * Streams through more data than the cap call `release(bytes)` after each block they drop. V8 frees the blobs
 * better-sqlite3 hands back (external memory) only when it next collects, which it puts off until tens of MB have
 * piled up: a 256 MiB export under a 192 MB cap peaked at 189 MB that way. Asking V8 to collect after every
 * sixteenth of the working set has passed brings it to 165 MB (a young-only collection did not: the blocks outlive
 * the nursery); with a small heap each collection costs milliseconds.
 */
export function streamReleaser(): (bytes: number) => void {
  const every = workingSetBytes() / 16;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < every) return;
    since = 0;
    collect();
  };
}

let gcFunction: (() => void) | null = null;
function collect(): void {
  if (!gcFunction) {
    // V8's gc() without the --expose-gc command-line flag (which a user's `cajal` would not pass): set the flag at
    // run time, then read gc from a fresh context, the first one created after the flag.
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as typeof gcFunction;
  }
  gcFunction!();
}
