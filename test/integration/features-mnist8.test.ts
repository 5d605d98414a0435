// mnist-8 end to end through the CLI: a hidden conv layer (ReLU114_Output_0, 16 channels at the centre position) over
// real MNIST digits (0..255 pixels), seven bases (neurons, random, PCA, ICA, NMF, K-means, SAE-TopK), metrics for each
// including a perceptual one on the CIFAR-10 CNN, and one comparison whose JSON carries per-basis medians with
// bootstrap intervals and Mann–Whitney statistics, checked against the values it carries. The 24 commands run in this
// process (the same argument parsing and commands as `cajal`), sparing 24 start-ups of tsx and the engine.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Comparison } from '../../main/api/contract';
import { runCliInProcess as runCli } from '../helpers/cli';
import { fixtureModels, tempDir } from '../helpers/fixtures';

const DIGITS = 10_000;

function plainMedian(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** U of a against b by counting pairs: a > b counts 1, a tie ½. */
function pairCount(a: number[], b: number[]): number {
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  return u;
}
const dir = tempDir();
const project = join(dir, 'mnist8.cajal');

function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

test(`mnist-8 ReLU114 over ${DIGITS} digits: seven bases compared through the CLI`, { timeout: 1_200_000 }, async () => {
  const h = json<{ harvests: { id: number; dim: number }[] }>(
    await runCli(['harvest', '--project', project, '--model', fixtureModels.mnist8(), '--tensor', 'ReLU114_Output_0', '--stimuli', `mnist:${DIGITS}`, '--scale', '1', '--positions', 'centre', '--json']),
  );
  const harvest = h.harvests[0]!;
  assert.equal(harvest.dim, 16);
  const fits: string[][] = [
    ['--method', 'neurons'],
    ['--method', 'random', '--k', '16'],
    ['--method', 'pca', '--k', '16'],
    ['--method', 'ica', '--k', '16'],
    ['--method', 'nmf', '--k', '16'],
    ['--method', 'kmeans', '--k', '16', '--param', 'cosine=true'],
    ['--method', 'sae-topk', '--k', '64', '--topk', '4', '--steps', '400'],
  ];
  const ids: number[] = [];
  for (const args of fits) {
    const r = json<{ basis: { id: number } }>(await runCli(['fit', '--project', project, '--harvest', String(harvest.id), ...args, '--seed', '1', '--json']));
    ids.push(r.basis.id);
  }
  const metrics = ['2afc-pixel', '2afc-label', 'consistency-pixel', 'consistency-label', 'label-purity', 'label-entropy', 'compression'];
  for (const id of ids) {
    const table = json<{ features: unknown[] }>(await runCli(['features', '--project', project, '--basis', String(id), '--top', '32', '--json']));
    assert.ok(table.features.length > 0);
    const r = json<{ medians: Record<string, number>; medianZ: Record<string, number | null>; nullBasisId: number; features: { zScores: Record<string, number> }[] }>(
      await runCli(['metrics', '--project', project, '--basis', String(id), ...metrics.flatMap((m) => ['--metric', m]), '--json']),
    );
    assert.equal(Object.keys(r.medians).length, metrics.length);
    // Every metric also reads as a z-score against the random basis (the null): per feature and as a median.
    assert.equal(r.nullBasisId, ids[1], 'the random basis is the null');
    assert.deepEqual(Object.keys(r.medianZ).sort(), [...metrics].sort());
    for (const m of metrics) assert.ok(r.features.some((f) => Number.isFinite(f.zScores[m])), `${m}: features have z-scores`);
  }
  // A perceptual metric on the CIFAR-10 CNN (grey digits replicated to RGB, resized to 32×32).
  const perceptual = json<{ medians: Record<string, number> }>(
    await runCli(['metrics', '--project', project, '--basis', String(ids[0]), '--metric', '2afc-perceptual', '--metric', 'consistency-perceptual', '--perceptual-model', fixtureModels.cifar10(), '--json']),
  );
  assert.ok(perceptual.medians['2afc-perceptual']! > 0 && perceptual.medians['2afc-perceptual']! <= 1);

  const c = json<Comparison & { ok: boolean }>(await runCli(['compare', '--project', project, '--harvest', String(harvest.id), '--bootstrap', '1000', '--json']));
  assert.equal(c.bases.length, 7);
  assert.deepEqual(c.bases.map((b) => b.method).sort(), ['ica', 'kmeans', 'neurons', 'nmf', 'pca', 'random', 'sae-topk']);
  const neurons = c.bases.find((b) => b.method === 'neurons')!;
  const random = c.bases.find((b) => b.method === 'random')!;
  assert.equal(c.neuronsBasisId, neurons.basisId);
  assert.equal(c.randomBasisId, random.basisId);
  const summary: Record<string, Record<string, string>> = {};
  for (const b of c.bases) {
    summary[`${b.method}#${b.basisId}`] = {};
    for (const m of metrics) {
      const x = b.metrics[m as keyof typeof b.metrics];
      assert.ok(x, `${b.method} has ${m}`);
      // The median is the median of the values the JSON carries; its bootstrap interval brackets it and lies within them.
      assert.ok(x.values.length >= 10 && x.values.every(Number.isFinite), `${b.method} ${m}: ${x.values.length} finite values`);
      assert.ok(Math.abs(x.median - plainMedian(x.values)) < 1e-12, `${b.method} ${m}: median ${x.median} is the values' median`);
      assert.ok(x.ci95[0] <= x.median && x.median <= x.ci95[1], `${b.method} ${m}: median ${x.median} inside [${x.ci95}]`);
      assert.ok(Math.min(...x.values) <= x.ci95[0] && x.ci95[1] <= Math.max(...x.values), `${b.method} ${m}: interval within the values`);
      // A test against the neurons for every other basis and against the random basis for every other basis, each
      // agreeing with a plain pair count over the two value lists, and symmetric (X vs N has the p of N vs X).
      for (const [ref, t] of [
        [neurons, x.vsNeurons],
        [random, x.vsRandom],
      ] as const) {
        if (b.basisId === ref.basisId) {
          assert.equal(t, null, `${b.method} is not tested against itself`);
          continue;
        }
        assert.ok(t, `${b.method} ${m} vs ${ref.method}`);
        const other = ref.metrics[m as keyof typeof ref.metrics]!.values;
        const u = pairCount(x.values, other);
        assert.ok(Math.abs(t.u - u) < 1e-9, `${b.method} ${m} vs ${ref.method}: U ${t.u} = pair count ${u}`);
        assert.ok(Math.abs(t.effect - u / (x.values.length * other.length)) < 1e-12);
        assert.ok(t.p > 0 && t.p <= 1, `p = ${t.p}`);
      }
      if (b.basisId === random.basisId) {
        const forward = neurons.metrics[m as keyof typeof neurons.metrics]!.vsRandom!;
        assert.ok(Math.abs(forward.p - x.vsNeurons!.p) < 1e-12 && Math.abs(forward.effect - (1 - x.vsNeurons!.effect)) < 1e-12, `${m}: random vs neurons mirrors neurons vs random`);
      }
      // The median z against the null: the null is the random basis, and the random basis against itself is centred.
      assert.equal(x.null?.basisId, random.basisId, `${b.method} ${m}: z against the random basis`);
      if (x.null!.sd > 0) assert.ok(Number.isFinite(x.medianZ), `${b.method} ${m}: median z ${x.medianZ}`);
      if (b.basisId === random.basisId && x.null!.sd > 0) assert.ok(Math.abs(x.medianZ!) < 1, `random ${m}: median z ${x.medianZ} against itself`);
      summary[`${b.method}#${b.basisId}`]![m] = `${x.median.toFixed(3)} [${x.ci95[0].toFixed(3)}, ${x.ci95[1].toFixed(3)}] z=${x.medianZ?.toFixed(2)}${x.vsNeurons ? ` p_n=${x.vsNeurons.p.toExponential(1)}` : ''}${x.vsRandom ? ` p_r=${x.vsRandom.p.toExponential(1)}` : ''}`;
    }
    // The layer carries the digit's class: in every basis the top stimuli share labels far above chance. Chance for
    // 20 draws over 10 near-equal classes: 2AFC 0.5, label purity ≈ 0.22, same-label pairs ≈ 0.10 (simulated). Wrong
    // rows for a feature's top examples (e.g. stimulus indices mixed up) would put these at chance.
    const lo = (m: string) => b.metrics[m as keyof typeof b.metrics]!.ci95[0];
    assert.ok(lo('2afc-label') > 0.6, `${b.method}: 2AFC(label) interval [${lo('2afc-label')}, …] above chance 0.5`);
    assert.ok(lo('label-purity') > 0.35, `${b.method}: label purity interval [${lo('label-purity')}, …] above chance ≈ 0.22`);
    assert.ok(lo('consistency-label') > 0.2, `${b.method}: label consistency interval [${lo('consistency-label')}, …] above chance ≈ 0.10`);
  }
  assert.equal(c.matchMatrix.length, 7);
  assert.ok(c.matchMatrix.every((row, i) => row.length === 7 && row[i] === 1 && row.every((v) => v > 0 && v <= 1 + 1e-6)));
  // PCA with all 16 components spans the 16-d space, so every basis' directions lie in it: each is matched by some
  // PCA direction at least as well as 1/√16 (a unit vector's largest coordinate in any orthonormal basis).
  const pcaIndex = c.bases.findIndex((b) => b.method === 'pca');
  for (let i = 0; i < 7; i++) assert.ok(c.matchMatrix[i]![pcaIndex]! >= 0.25 - 1e-6, `${c.bases[i]!.method} → pca ${c.matchMatrix[i]![pcaIndex]}`);
  console.log(`mnist-8 comparison (${DIGITS} digits):\n${JSON.stringify(summary, null, 1)}`);
});
