// Loss recovered on a token model (#13): the shipped lab transformer (resources/models/lab-lm.onnx) over the first
// contexts of its held-out text, through the lab's API as the app runs it — a text harvest of mlp_hidden, bases fitted,
// and `lesions.lossRecovered` as a job on real onnxruntime. Known answers: the clean cross-entropy equals the lm room's
// own held-out evaluation (evalBitsPerByte) on the same bytes; a complete basis (neurons: x̂ = x exactly) recovers 1;
// zero and mean ablation raise the loss; a rank-8 PCA recovers less than a rank-64 one. Bad input (an output the
// model lacks): one sentence, no run written.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BasisInfo, Result } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import type { LossRecoveredInfo } from '../../main/api/schemas/lesions';
import { evalBitsPerByte } from '../../main/lm/evaluate';
import { createSession } from '../../main/onnx/session';
import { Lab } from '../../main/services/lab';
import { NeuronBasis } from '../../main/bases/neurons'; // room: text (#13 output effects)
import { tokenFeatureEffects } from '../../main/lesions/token-effects'; // room: text (#13 output effects)
import { openTextCorpus, type TextSpec } from '../../main/text';
import { repoRoot, tempDir } from '../helpers/fixtures';

const L = 128;
const CONTEXTS = 12;
const dir = tempDir('cajal-token-loss-');
const modelPath = join(repoRoot, 'resources/models/lab-lm.onnx');
const textPath = join(dir, 'heldout.txt');
// Whole contexts of the shipped held-out sample, so every context is 128 bytes.
writeFileSync(textPath, readFileSync(join(repoRoot, 'resources/models/lab-lm-heldout.txt')).subarray(0, CONTEXTS * L));
const spec: TextSpec = { kind: 'text', path: textPath, tokenizer: 'bytes', contextLength: L, stride: L, positionsPerContext: 32, seed: 0 };

const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let harvestId = 0;
const basis: Record<string, number> = {};

async function measure(basisId: number, stimuli = CONTEXTS): Promise<LossRecoveredInfo> {
  const { jobId, runId } = await call<Result<'lesions.lossRecovered'>>('lesions.lossRecovered', { basisId, stimuli });
  const job = await lab.jobs.wait(jobId);
  assert.equal(job.status, 'done', job.error ?? '');
  const { run } = await call<Result<'lesions.get'>>('lesions.get', { runId });
  return run.summary as unknown as LossRecoveredInfo;
}

before(async () => {
  lab.openProject({ path: join(dir, 'p.cajal'), create: true });
  const model = await call<Result<'models.open'>>('models.open', { path: modelPath });
  const set = await call<Result<'stimuli.create'>>('stimuli.create', { spec });
  const h = await call<Result<'harvests.start'>>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden'] });
  assert.equal((await lab.jobs.wait(h.jobId)).status, 'done');
  harvestId = h.harvestIds[0]!;
  for (const [name, method, params] of [['neurons', 'neurons', {}], ['pca8', 'pca', { nFeatures: 8 }], ['pca64', 'pca', { nFeatures: 64 }]] as const) {
    const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId, method, seed: 0, params, name });
    assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
    basis[name] = fit.basisId;
  }
});
after(() => lab.shutdown());

test('the clean CE is the lm room\'s held-out loss on the same bytes; a complete basis recovers 1; ablation costs loss', async (t) => {
  const s = await measure(basis.neurons!);
  // The lm room's own evaluation: each context alone, its 127 next bytes scored from the bytes before them.
  const session = await createSession(readFileSync(modelPath));
  const corpus = openTextCorpus(spec);
  let bits = 0;
  let bytes = 0;
  for (let c = 0; c < CONTEXTS; c++) {
    const r = await evalBitsPerByte(session, Uint8Array.from(corpus.ids(c, 1)), L - 1);
    bits += r.bitsPerByte * r.bytes;
    bytes += r.bytes;
  }
  await session.release();
  const card = JSON.parse(readFileSync(join(repoRoot, 'resources/models/lab-lm.json'), 'utf8')) as { heldOut: { sample: { bitsPerByte: number } } };
  const cleanBits = s.clean.crossEntropy! / Math.LN2;
  t.diagnostic(`clean ${cleanBits.toFixed(4)} bits/byte over ${s.tokens} positions (lm evaluate: ${(bits / bytes).toFixed(4)}; model card, whole sample: ${card.heldOut.sample.bitsPerByte.toFixed(4)})`);
  assert.equal(s.tokens, bytes, 'every context scores its 127 next bytes');
  assert.equal(s.unit, 'context');
  assert.equal(s.stimuli, CONTEXTS);
  assert.ok(Math.abs(cleanBits - bits / bytes) < 1e-4, `clean ${cleanBits} vs lm evaluate ${bits / bytes}`);
  assert.ok(Math.abs(cleanBits - card.heldOut.sample.bitsPerByte) < 0.5, 'near the card\'s held-out figure');
  // Ablating the MLP costs loss; the mean is a milder lesion than zero here.
  t.diagnostic(`CE (nats): clean ${s.clean.crossEntropy!.toFixed(4)}, zero ${s.zero.crossEntropy!.toFixed(4)}, mean ${s.mean.crossEntropy!.toFixed(4)}, neurons spliced ${s.spliced.crossEntropy!.toFixed(4)}`);
  assert.ok(s.zero.crossEntropy! > s.clean.crossEntropy! + 0.1, 'zero ablation raises the CE');
  assert.ok(s.mean.crossEntropy! > s.clean.crossEntropy!, 'mean ablation raises the CE');
  // Neurons reconstruct x exactly: the splice is the clean run.
  assert.ok(Math.abs(s.ceScoreZero! - 1) < 1e-4 && Math.abs(s.ceScoreMean! - 1) < 1e-4, `neurons recover ${s.ceScoreZero}, ${s.ceScoreMean}`);
  assert.ok(s.spliced.kl < 1e-6 && s.zero.kl > 0.05, `KL spliced ${s.spliced.kl}, zero ${s.zero.kl}`);
});

test('a truncated PCA recovers less than a wider one, and the Bases list carries the figure', async (t) => {
  const narrow = await measure(basis.pca8!);
  const wide = await measure(basis.pca64!);
  t.diagnostic(`loss recovered (zero baseline): PCA 8 ${narrow.ceScoreZero!.toFixed(4)}, PCA 64 ${wide.ceScoreZero!.toFixed(4)}; mean baseline ${narrow.ceScoreMean!.toFixed(4)}, ${wide.ceScoreMean!.toFixed(4)}`);
  assert.ok(narrow.ceScoreZero! < wide.ceScoreZero! && wide.ceScoreZero! < 1, 'more components recover more');
  assert.ok(narrow.spliced.crossEntropy! > wide.spliced.crossEntropy!);
  const listed = (await call<BasisInfo[]>('bases.list', {})).find((b) => b.id === basis.pca64!)!;
  assert.equal(listed.lossRecovered?.ceScoreZero, wide.ceScoreZero);
});

test('an output the model lacks is refused in one sentence before any run is written', async () => {
  const before = (await call<Result<'lesions.list'>>('lesions.list', {})).length;
  await assert.rejects(call('lesions.lossRecovered', { basisId: basis.pca8!, output: 'probs' }), /^.*The model has no output "probs"; its outputs are logits\.$/);
  assert.equal((await call<Result<'lesions.list'>>('lesions.list', {})).length, before);
});

// room: text (#13 output effects) — the same harvest and neurons basis through the API: text.effects runs the
// feature's top contexts (the ones text.contexts shows) through the lesion room's effects path, steering in units of
// the feature's largest stored activation; the numbers equal the engine's own run on those contexts.
test('text.effects: a neuron\'s raised and lowered next bytes over its top contexts, as the engine measures them', async (t) => {
  const fc = await call<{ jobId: number }>('features.compute', { basisId: basis.neurons! });
  assert.equal((await lab.jobs.wait(fc.jobId)).status, 'done');
  const f = 57; // a neuron that fires at about a third of the held-out positions
  const started = performance.now();
  const e = await call<Result<'text.effects'>>('text.effects', { basisId: basis.neurons!, feature: f, k: 4 });
  t.diagnostic(`neuron ${f} over ${e.contexts} top contexts (${e.positions} firing positions), ${(performance.now() - started).toFixed(0)} ms; α ${e.alpha} × max ${e.scale.toFixed(3)}`);
  for (const [name, side] of [['ablate', e.ablate], ['steer', e.steer]] as const) {
    t.diagnostic(`${name}: raised ${side.raised.slice(0, 5).map((x) => `${JSON.stringify(x.text)} +${x.deltaProb.toFixed(4)}`).join(', ')}; lowered ${side.lowered.slice(0, 5).map((x) => `${JSON.stringify(x.text)} ${x.deltaProb.toFixed(4)}`).join(', ')}`);
  }
  const shown = await call<Result<'text.contexts'>>('text.contexts', { basisId: basis.neurons!, feature: f, k: 4 });
  assert.deepEqual(e.contextNames, shown.contexts.map((c) => c.contextName), 'the browser\'s top contexts');
  assert.equal(e.scale, shown.contexts[0]!.activation, 'steering\'s unit is the largest stored activation');
  assert.equal(e.alpha, 2, 'default α');
  assert.equal(e.ablate.raised.length, 10);
  const direct = await tokenFeatureEffects({
    modelBytes: readFileSync(modelPath),
    modelLabel: 'lab-lm',
    corpus: openTextCorpus(spec),
    tensor: 'mlp_hidden',
    basis: new NeuronBasis(0, 512),
    basisLabel: 'neurons',
    feature: f,
    contexts: shown.contexts.map((c) => c.context),
    alpha: 2,
    scale: e.scale,
  });
  assert.equal(e.positions, direct.positions);
  assert.deepEqual(e.steer.raised.map((x) => x.id), direct.steer.raised.map((x) => x.id));
  assert.ok(e.ablate.deltaProb.every((d, v) => Math.abs(d - direct.ablate.deltaProb[v]!) < 1e-9));
  // A basis feature beyond the basis: one sentence.
  await assert.rejects(call('text.effects', { basisId: basis.neurons!, feature: 512 }), /^.*Basis \d+ has 512 features; there is no feature 512\.$/);
});
