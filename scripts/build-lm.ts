// `npm run build:lm`: builds the lab's own language model from a clean clone (#13 item 3) — the corpus recipe
// (main/lm/corpus.ts), training on the lab's engine (main/lm/train.ts), then the inference ONNX, a held-out text
// sample and a JSON card (held-out bits per byte beside a unigram byte model's, steps, seed, recipe) under
// resources/models/. Resumable: a checkpoint is written every few hundred steps and picked up by the next run;
// SIGTERM/SIGINT checkpoint and stop. Options: --steps N, --batch B, --export-only (export the checkpoint as it is),
// --fresh (ignore the checkpoint), --note TEXT (recorded in the card), --out DIR, --checkpoint PATH.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { byteCounts, collectDocuments, defaultRecipe, splitCorpus, unigramBitsPerByte, type LmCategory } from '../main/lm/corpus';
import { evalBitsPerByte } from '../main/lm/evaluate';
import { LM_CONFIG, inferenceModel } from '../main/lm/model';
import { DEFAULT_TRAIN, checkpointWeights, loadCheckpoint, trainLm } from '../main/lm/train';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const outDir = resolve(value('--out') ?? join(root, 'resources/models'));
const checkpoint = resolve(value('--checkpoint') ?? join(root, 'tmp/lab-lm.ckpt'));
const opts = { ...DEFAULT_TRAIN, checkpointPath: checkpoint, log: (l: string) => console.log(l) };
if (value('--steps')) opts.steps = Number(value('--steps'));
if (value('--batch')) opts.batch = Number(value('--batch'));
/** Bytes of held-out text shipped in the repo, so the tests do not need the recipe's inputs. */
const SAMPLE_BYTES = 100_000;

mkdirSync(dirname(checkpoint), { recursive: true });
mkdirSync(outDir, { recursive: true });
if (flag('--fresh')) for (const p of [checkpoint, `${checkpoint}.json`]) rmSync(p, { force: true });

const recipe = defaultRecipe(root);
const t0 = Date.now();
const docs = collectDocuments(recipe);
const split = splitCorpus(docs, recipe);
console.log(`corpus: ${split.train.length} training bytes, ${split.heldOut.length} held-out bytes (${((Date.now() - t0) / 1000).toFixed(1)} s)`, JSON.stringify(split.counts));
if (split.train.length < 1_000_000) throw new Error('The corpus recipe found under 1 MB of text: is the Debian package `fortunes` installed?');

let stop = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => (stop = true));

let weights;
let steps: number;
let trainSeconds = 0;
let tokensPerSecond = NaN;
/** With --export-only, what the card beside the model said about the run that made the checkpoint. */
let previousTraining: Record<string, unknown> = {};
if (flag('--export-only')) {
  const ck = loadCheckpoint(checkpoint);
  if (!ck) throw new Error(`No checkpoint at ${checkpoint}.`);
  weights = checkpointWeights(ck.state);
  steps = ck.step;
  const cardPath = join(outDir, 'lab-lm.json');
  if (existsSync(cardPath)) {
    const prev = (JSON.parse(readFileSync(cardPath, 'utf8')) as { training?: Record<string, unknown> }).training ?? {};
    if (prev.steps === steps) previousTraining = prev;
  }
} else {
  const started = Date.now();
  const r = await trainLm(split.train, { ...opts, shouldStop: () => stop });
  weights = r.weights;
  steps = r.steps;
  tokensPerSecond = r.tokensPerSecond;
  trainSeconds = (Date.now() - started) / 1000;
}

const sample = split.heldOut.subarray(0, SAMPLE_BYTES);
const { seed, batch, lrMax, warmup, lrFloor } = opts;
const card = {
  model: 'lab-lm.onnx',
  architecture: { ...LM_CONFIG, layers: 1, activation: 'relu', norm: 'pre-layer-norm + final layer norm', hiddenTensor: 'mlp_hidden' },
  training: { engine: 'cajal main/train/autodiff.ts on onnxruntime-node (CPU)', steps, plannedSteps: opts.steps, batch, seed, lrMax, warmup, lrFloor, optimizer: 'Adam (β1 0.9, β2 0.999)', tokensPerSecond: Math.round(tokensPerSecond), seconds: Math.round(trainSeconds), ...(value('--note') ? { note: value('--note') } : {}) } as Record<string, unknown>,
  recipe: { script: 'main/lm/corpus.ts (npm run build:lm)', ...recipe, codeDirs: recipe.codeDirs.map((d) => d.replace(root, '<repo>')), bytes: split.counts },
  heldOut: {} as Record<string, unknown>,
  unigramTrainCounts: byteCounts(split.train),
};
if (previousTraining.steps === steps) card.training = { ...card.training, ...previousTraining };
const onnx = inferenceModel(weights, LM_CONFIG, `Cajal's one-layer byte-level transformer (#13), ${steps} steps, seed ${seed}.`);
const session = await ort.InferenceSession.create(onnx);
const full = await evalBitsPerByte(session, split.heldOut, LM_CONFIG.context);
const onSample = await evalBitsPerByte(session, sample, LM_CONFIG.context);
// Per category: the held-out documents of each kind alone (the same hashed split, restricted to that kind).
const byCategory: Record<string, { bitsPerByte: number; unigramBitsPerByte: number; bytes: number }> = {};
for (const c of ['prose', 'html', 'code', 'base64'] as LmCategory[]) {
  const held = splitCorpus(docs.filter((d) => d.category === c), recipe).heldOut;
  if (held.length < 2) continue;
  const r = await evalBitsPerByte(session, held, LM_CONFIG.context);
  byCategory[c] = { bitsPerByte: r.bitsPerByte, unigramBitsPerByte: unigramBitsPerByte(card.unigramTrainCounts, held), bytes: r.bytes };
}
await session.release();
card.heldOut = {
  byCategory,
  bitsPerByte: full.bitsPerByte,
  bytes: full.bytes,
  unigramBitsPerByte: unigramBitsPerByte(card.unigramTrainCounts, split.heldOut),
  sample: { file: 'lab-lm-heldout.txt', bitsPerByte: onSample.bitsPerByte, unigramBitsPerByte: unigramBitsPerByte(card.unigramTrainCounts, sample), bytes: sample.length },
};
writeFileSync(join(outDir, 'lab-lm.onnx'), onnx);
writeFileSync(join(outDir, 'lab-lm-heldout.txt'), sample);
writeFileSync(join(outDir, 'lab-lm.json'), `${JSON.stringify(card, null, 1)}\n`);
console.log(`held-out: ${full.bitsPerByte.toFixed(3)} bits/byte (unigram ${(card.heldOut.unigramBitsPerByte as number).toFixed(3)}); wrote ${outDir}/lab-lm.onnx${existsSync(checkpoint) ? '' : ''}`);
