// Reverse correlation (#11) beside references measured in the same run on the same machine:
// - STA throughput (stimuli/s) for all 12 channels of the CIFAR CNN's second conv layer (tensor 36, centre
//   position) over 20,000 white-noise images: the STA job's pass (stimuli regenerated from the seed, responses read
//   from the project, one W·X GEMM per chunk for every channel) against a bare onnxruntime forward loop over the same
//   stimuli, pre-built. Goal ≥ 0.8×. With the z map's 20 nulls the GEMM has 21× the rows; that row is printed too.
// - STC time for d = 1,024 (32×32 white noise, a planted energy unit, 8 shuffled nulls, nested test of up to 4 axes)
//   against NumPy doing the same arithmetic on the same data (/usr/bin/python3, python3-numpy).
// Alternating rounds, best of each (the machine's speed swings 2× within a minute).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { float32ToOrtTensor } from '../main/onnx/dtypes';
import { parseModel, serializeModel } from '../main/onnx/model';
import { createSession } from '../main/onnx/session';
import { tapModel } from '../main/onnx/tap';
import { harvestResponseStream, harvestStimulusStream, mappableHarvest } from '../main/revcorr/sources';
import { staEstimator } from '../main/revcorr/sta';
import { stcEstimator } from '../main/revcorr/stc';
import { arrayResponseStream, arrayStimulusStream } from '../main/revcorr/streams';
import { quietContext } from '../main/revcorr/types';
import { Lab } from '../main/services/lab';
import { openStimulusSource } from '../main/stimuli/open';
import type { NoiseSpec } from '../main/stimuli/types';
import { Rng } from '../main/util/random';
import { fixtureModels, tempDir } from '../test/helpers/fixtures';
import type { Row } from './table';

const ROUNDS = 3;
const N_STA = 20000;

async function staRows(): Promise<Row[]> {
  const model = fixtureModels.cifar10();
  const tensor = '36';
  const spec: NoiseSpec = { kind: 'noise', distribution: 'gaussian', count: N_STA, itemShape: [3, 32, 32], seed: 5, mean: 0, std: 1 };
  const lab = new Lab(() => undefined);
  lab.openProject({ path: join(tempDir('cajal-bench-revcorr-'), 'b.cajal'), create: true });
  try {
    const m = await lab.openModel({ path: model });
    const set = await lab.createStimulusSet({ spec });
    const started = lab.startHarvest({ modelId: m.id, stimulusSetId: set.id, tensors: [tensor], positions: 'centre', batchSize: 32 });
    const job = await lab.jobs.wait(started.jobId);
    if (job.status !== 'done') throw new Error(`harvest ${job.status}: ${job.error}`);
    const db = lab.database;
    const h = mappableHarvest(db, started.harvestIds[0]!);
    const units = Array.from({ length: h.dim }, (_, i) => i);
    const staRate = async (nulls: number) => {
      const stimuli = await harvestStimulusStream(db, h);
      const t0 = performance.now();
      await staEstimator.run(stimuli, harvestResponseStream(db, h, units), { transform: { kind: 'rectified' }, nulls, seed: 0 }, quietContext);
      return N_STA / ((performance.now() - t0) / 1000);
    };
    // The bare loop: the tapped model over the same stimuli, pre-built as batches of 32.
    const session = await createSession(serializeModel(tapModel(parseModel(readFileSync(model), 'cifar10'), [tensor])));
    const source = await openStimulusSource(spec);
    const feeds: ort.Tensor[] = [];
    for (let i = 0; i < N_STA; i += 32) feeds.push(float32ToOrtTensor(await source.batch(i, Math.min(32, N_STA - i)), [Math.min(32, N_STA - i), 3, 32, 32], 'float32'));
    const bare = async () => {
      const t0 = performance.now();
      for (const f of feeds) await session.run({ [session.inputNames[0]!]: f }, [tensor]);
      return N_STA / ((performance.now() - t0) / 1000);
    };
    let best0 = 0;
    let best20 = 0;
    let bestBare = 0;
    for (let r = 0; r < ROUNDS; r++) {
      bestBare = Math.max(bestBare, await bare());
      best0 = Math.max(best0, await staRate(0));
      best20 = Math.max(best20, await staRate(20));
    }
    await session.release();
    return [
      { name: `revcorr STA, cifar10-cnn conv '36' all ${h.dim} channels (centre), 20k white noise`, value: best0, unit: 'stimuli/s', reference: 'bare ORT forward loop', referenceValue: bestBare, ratio: best0 / bestBare, goal: '≥ 0.8×' },
      { name: `revcorr STA with a z map (20 shuffled nulls), same layer`, value: best20, unit: 'stimuli/s', reference: 'bare ORT forward loop', referenceValue: bestBare, ratio: best20 / bestBare, note: '21× the GEMM rows' },
    ];
  } finally {
    await lab.shutdown();
  }
}

const NUMPY_STC = String.raw`
import sys, time, numpy as np
x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, int(sys.argv[3]))
r = np.fromfile(sys.argv[2], dtype=np.float32)
nulls, max_axes = int(sys.argv[4]), int(sys.argv[5])
t0 = time.perf_counter()
n, d = x.shape
train = (np.arange(n) % 5) != 4
xt = x[train].astype(np.float32)
def cov(w):
    s = w.sum(); m = (w @ xt) / s
    return (xt.T @ (xt * w[:, None])) / s - np.outer(m, m)
prior = cov(np.ones(len(xt), dtype=np.float32))
rng = np.random.default_rng(0)
real = cov(r[train]) - prior
null = [cov(r[rng.permutation(n)][train]) - prior for _ in range(nulls)]
axes = []
mat, nm = real, null
while len(axes) < max_axes:
    vals, vecs = np.linalg.eigh(mat)
    keep = [i for i in range(d) if sum((a @ vecs[:, i]) ** 2 for a in axes) < 0.5]
    nv = [np.linalg.eigvalsh(m) for m in nm]
    hi = max(v[-1] for v in nv); lo = min(v[0] for v in nv)
    top, bot = keep[-1], keep[0]
    et, eb = vals[top] - hi, lo - vals[bot]
    if et <= 0 and eb <= 0: break
    axes.append(vecs[:, top] if et >= eb else vecs[:, bot])
    p = np.eye(d) - np.array(axes).T @ np.array(axes)
    mat = p @ real @ p; nm = [p @ m @ p for m in null]
print(time.perf_counter() - t0, len(axes))
`;

async function stcRows(): Promise<Row[]> {
  const side = 32;
  const d = side * side;
  const n = 10000;
  const rng = new Rng(9);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const q1 = new Float32Array(d);
  const q2 = new Float32Array(d);
  for (let y = 0; y < side; y++)
    for (let c = 0; c < side; c++) {
      const g = Math.exp(-((y - 16) ** 2 + (c - 16) ** 2) / 32) / 4;
      q1[y * side + c] = g * Math.cos(c * 0.7);
      q2[y * side + c] = g * Math.sin(c * 0.7);
    }
  const r = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < d; i++) {
      a += q1[i]! * x[t * d + i]!;
      b += q2[i]! * x[t * d + i]!;
    }
    r[t] = a * a + b * b;
  }
  const dir = tempDir('cajal-bench-stc-');
  writeFileSync(join(dir, 'x.f32'), x);
  writeFileSync(join(dir, 'r.f32'), r);
  writeFileSync(join(dir, 'stc.py'), NUMPY_STC);
  const nulls = 8;
  const maxAxes = 4;
  let ours = Infinity;
  let ref = Infinity;
  let refNote = '';
  let axesOurs = 0;
  for (let round = 0; round < 2; round++) {
    const t0 = performance.now();
    const res = await stcEstimator.run(arrayStimulusStream(x, [side, side]), arrayResponseStream(r, 1, 'independent'), { transform: { kind: 'rectified' }, nulls, seed: 0, maxAxes }, quietContext);
    ours = Math.min(ours, (performance.now() - t0) / 1000);
    axesOurs = res.stc[0]!.axes.length;
    const py = spawnSync('/usr/bin/python3', [join(dir, 'stc.py'), join(dir, 'x.f32'), join(dir, 'r.f32'), String(d), String(nulls), String(maxAxes)], { encoding: 'utf8' });
    if (py.status !== 0) refNote = `numpy reference failed: ${(py.stderr || String(py.error)).split('\n').slice(-2).join(' ')}`;
    else {
      const [sec, axes] = py.stdout.trim().split(/\s+/).map(Number);
      ref = Math.min(ref, sec!);
      refNote = `both find ${axesOurs} / ${axes} significant axes`;
    }
  }
  return [{ name: `revcorr STC, d = 1,024, 10k rows, ${nulls} nulls, nested test`, value: ours, unit: 's', reference: 'NumPy (same arithmetic)', referenceValue: Number.isFinite(ref) ? ref : undefined, ratio: Number.isFinite(ref) ? ref / ours : undefined, note: refNote }];
}

export async function benchRevcorr(): Promise<Row[]> {
  return [...(await staRows()), ...(await stcRows())];
}
