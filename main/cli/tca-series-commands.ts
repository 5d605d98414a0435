// `cajal train-series` and `cajal harvest-series` (#15): the lab's training engine writes snapshots of an MLP trained
// on MNIST, and a checkpoint series records one tensor over the same MNIST digits through checkpoints given in order,
// as a units × checkpoints × stimuli harvest for `cajal tca-sweep` and `cajal fit --method tca`.
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { TcaResults } from '../api/schemas/tca';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { checkSeriesFiles } from '../services/tca';
import { trainSeries } from '../tca/train-series';
import { out, progressPrinter } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

function whole(v: unknown, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError('cli.usage', `--${flag} takes a whole number of at least ${min}, not ${String(v)}.`);
  return n;
}

const trainSeriesCommand = {
  usage: `cajal train-series --out DIR [--snapshots N] [--steps S] [--hidden H] [--seed S] [--json]
  Trains a 784 → H (ReLU, tensor "hidden") → 10 MLP on MNIST with the lab's training engine (Adam, batch 64) and
  writes N snapshots (default 3) at evenly spaced steps (default 300 steps, H = 32) as ONNX files in DIR; input
  "image" [N,1,28,28] with pixels 0..1.`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    out: { type: 'string' },
    snapshots: { type: 'string' },
    steps: { type: 'string' },
    hidden: { type: 'string' },
    seed: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.out !== 'string') throw new UserError('cli.usage', 'Name the folder for the snapshots with --out DIR.');
    const snapshots = whole(v.snapshots, 'snapshots', 1) ?? 3;
    const steps = whole(v.steps, 'steps', snapshots) ?? 300;
    const written = await trainSeries({ outDir: resolve(v.out), snapshots, steps, hidden: whole(v.hidden, 'hidden', 1), seed: whole(v.seed, 'seed', 0) });
    if (v.json) out({ ok: true, snapshots: written });
    else for (const s of written) process.stdout.write(`step ${s.step}: loss ${s.loss.toFixed(3)} → ${s.path}\n`);
    return 0;
  },
};

const harvestSeries = {
  usage: `cajal harvest-series --project FILE --models A.onnx,B.onnx,C.onnx --tensor NAME [--digits N] [--json]
  A checkpoint series: records tensor NAME over the first N MNIST digits (default 1000; pixels 0..1, as
  train-series' snapshots expect) through each checkpoint, in the order given, and stores one units × checkpoints ×
  stimuli harvest. Checkpoints whose tensor shapes differ are refused before anything is written.`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    models: { type: 'string' },
    tensor: { type: 'string' },
    digits: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.project !== 'string' || typeof v.models !== 'string' || typeof v.tensor !== 'string') {
      throw new UserError('cli.usage', 'cajal harvest-series needs --project FILE, --models A.onnx,B.onnx,… and --tensor NAME.');
    }
    const modelPaths = v.models.split(',').map((s) => resolve(s.trim()));
    const digits = whole(v.digits, 'digits', 1) ?? 1000;
    const json = Boolean(v.json);
    // Shapes are checked from the files before the project is opened, so a refused series writes nothing.
    await checkSeriesFiles(modelPaths, v.tensor);
    const lab = new Lab(json ? () => undefined : progressPrinter(), {});
    lab.openProject({ path: resolve(v.project), create: true });
    const router = createRouter(lab, 'direct');
    try {
      const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1 / 255, mean: [0], std: [1], layout: 'NCHW' };
      const set = (await router.call('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: digits, recipe } })) as { id: number };
      const r = (await router.call('tca.series', { modelPaths, tensor: v.tensor, stimulusSetId: set.id })) as TcaResults['tca.series'];
      if (!json) process.stderr.write('\n');
      if (json) out({ ok: true, ...r });
      else process.stdout.write(`Series harvest ${r.harvestId}: ${v.tensor} × ${modelPaths.length} checkpoints × ${digits} digits (checkpoint harvests ${r.checkpointHarvestIds.join(', ')}).\n`);
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

export const tcaSeriesCommands = { 'train-series': trainSeriesCommand, 'harvest-series': harvestSeries };
