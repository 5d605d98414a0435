// `npm run bench`: every benchmark, each beside a reference measured on the same machine in the same run.
// Select some with `npm run bench -- harvest sae`.
import { existsSync } from 'node:fs';
import { printTable, type Row } from './table';

type Bench = () => Promise<Row[]>;

async function load(name: string, file: string, exportName: string): Promise<Bench | null> {
  if (!existsSync(new URL(file, import.meta.url))) return null;
  const mod = (await import(file)) as Record<string, Bench>;
  return mod[exportName] ?? null;
}

const all: [string, string, string][] = [
  ['harvest', './harvest.ts', 'benchHarvest'],
  ['image-decode', './image-decode.ts', 'benchImageDecode'], // h14jpeg (#14): image decoder 2 vs 1 per fixture photo
  ['sae', './sae.ts', 'benchSae'],
  ['classical', './classical.ts', 'benchClassical'],
  ['eigh', './eigh.ts', 'benchEigh'],
  ['features', './features.ts', 'benchFeatures'],
  ['memory', './memory.ts', 'benchMemory'],
  ['ui', './ui.ts', 'benchUi'],
  ['revcorr', './revcorr.ts', 'benchRevcorr'], // revcorr (#11)
  ['lesions', './lesions.ts', 'benchLesions'], // lesions (#10)
  ['tca', './tca.ts', 'benchTca'], // tca (#15)
  ['sparse-coding', './sparse-coding.ts', 'benchSparseCoding'], // h12 (#12)
  ['sae-arch', './sae-arch.ts', 'benchSaeArch'], // h12sweep (#12): every trained SAE architecture vs PyTorch
  ['feature-scale', './feature-scale.ts', 'benchFeatureScale'], // w18 (#18)
  ['feature-scale-ui', './feature-scale-ui.ts', 'benchFeatureScaleUi'], // w18 (#18)
  ['lm-train', './lm-train.ts', 'benchLmTrain'], // room: lm (#13 item 3)
  ['sae-topk', './sae-topk.ts', 'benchSaeTopk'], // h18topk (#18 item 5)
  ['text-harvest', './text-harvest.ts', 'benchTextHarvest'], // room: text (#13)
  ['text-effects', './text-effects.ts', 'benchTextEffects'], // room: text (#13 output effects)
  ['sae-planted-defaults', './sae-planted-defaults.ts', 'benchSaePlantedDefaults'], // h12def (#12): recovery at the defaults
  ['sae-step-profile', './sae-step-profile.ts', 'benchSaeStepProfile'], // h14sae (#14 item 5): ORT's profiler over the SAE step
  ['sae-batchtopk-gap', './sae-batchtopk-gap.ts', 'benchSaeBatchtopkGap'], // h12btk (#12): BatchTopK vs TopK at equal L0 on the demo layer
  ['harvest-write', './harvest-write.ts', 'benchHarvestWrite'], // h14write (#14): writer CPU per 10 MB committed
  ['unit-stats-fold', './unit-stats-fold.ts', 'benchUnitStatsFold'], // h3 (#14): the writer's statistics fold, WebAssembly SIMD vs JS
  ['float16-encode', './float16-encode.ts', 'benchFloat16Encode'], // h3 (#14): a float16 harvest's rounding to halves, WebAssembly SIMD vs JS
  ['noise-fill', './noise-fill.ts', 'benchNoiseFill'], // #14: noise generator 2's fill, WebAssembly fast path vs JS
  ['extract-rows', './extract-rows.ts', 'benchExtractRows'], // #14: a conv map's rows at every position, WebAssembly vs JS
  ['batch-select', './batch-select.ts', 'benchBatchSelect'], // #12: BatchTopK's selection of the batch's top K, JS vs ORT TopK
];

const wanted = process.argv.slice(2);
const rows: Row[] = [];
let failed = false;
for (const [name, file, exportName] of all) {
  if (wanted.length && !wanted.includes(name)) continue;
  const bench = await load(name, file, exportName);
  if (!bench) continue;
  console.error(`running ${name} …`);
  // One benchmark that fails is reported as a row, so the others' figures are still printed.
  try {
    rows.push(...(await bench()));
  } catch (err) {
    failed = true;
    rows.push({ name: `${name}: FAILED`, value: NaN, unit: '', note: err instanceof Error ? err.message.split('\n')[0] : String(err) });
  }
}
printTable(rows);
if (failed) process.exitCode = 1;
