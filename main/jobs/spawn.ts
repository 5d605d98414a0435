// Starts a worker thread on an entry module: main/workers/NAME.ts under tsx (the entries compose the domain rooms, so
// they sit above them, not here), or the bundled out/main/NAME.js after a build (every entry and shared chunk lands
// in out/main, see electron.vite.config.ts).
import { Worker } from 'node:worker_threads';

/**
 * Under tsx (tests, development) the worker is a bootstrap that registers tsx first, because Node 20 does not carry
 * `--import tsx` hooks into worker threads.
 */
export function spawnWorker(name: string, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData });
  return spawnTsWorker(new URL(`../workers/${name}.ts`, import.meta.url), workerData);
}

/** A worker thread on a TypeScript entry module, through the tsx bootstrap above (the benches' own threads too). */
export function spawnTsWorker(entry: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
