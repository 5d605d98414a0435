// One build for the three parts of the app. The main entry points share chunks that sit beside them in out/main,
// so main/jobs/spawn.ts finds the worker entries (./worker.js, ./service-worker.js) wherever its code lands.
import vue from '@vitejs/plugin-vue';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/index.ts'),
          cli: resolve(__dirname, 'main/cli/index.ts'),
          worker: resolve(__dirname, 'main/workers/worker.ts'),
          'service-worker': resolve(__dirname, 'main/workers/service-worker.ts'),
          'harvest-writer': resolve(__dirname, 'main/workers/harvest-writer.ts'), // #14 pipelined harvest
          'harvest-stimuli': resolve(__dirname, 'main/workers/harvest-stimuli.ts'), // #14 stimulus threads
        },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    base: './',
    plugins: [vue()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
});
