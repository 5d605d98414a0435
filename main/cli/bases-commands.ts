// CLI commands for bases: fit, list, and interop (SAELens safetensors, .npy directions, imported activations).
// They go through the router, so the CLI validates exactly as the UI does.
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { BasisInfo, JobInfo } from '../api/contract';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { formatTable, out, progressPrinter } from './output';
import { providerFromFlags, providerUsage } from './scale-commands'; // room: scale (#14 item 4)

type Options = NonNullable<ParseArgsConfig['options']>;
interface Command {
  usage: string;
  options: Options;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const common: Options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, project: { type: 'string' } };

async function withProject<T>(v: Record<string, unknown>, progress: boolean, body: (lab: Lab, call: (m: string, p: unknown) => Promise<unknown>) => Promise<T>): Promise<T> {
  if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
  const lab = new Lab(progress && !v.json ? progressPrinter() : () => undefined, {});
  lab.openProject({ path: resolve(v.project), create: false });
  const router = createRouter(lab, 'direct');
  try {
    return await body(lab, (m, p) => router.call(m, p));
  } finally {
    await lab.shutdown();
  }
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UserError('cli.usage', `--${name} takes a number, not ${String(v)}.`);
  return n;
}

/** Extra method parameters as --param key=value (numbers and booleans recognised). */
function extraParams(list: unknown): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UserError('cli.usage', `--param takes key=value, not ${item}.`);
    const raw = item.slice(eq + 1);
    out[item.slice(0, eq)] = raw === 'true' ? true : raw === 'false' ? false : Number.isFinite(Number(raw)) && raw.trim() !== '' ? Number(raw) : raw;
  }
  return out;
}

function qualityRow(b: BasisInfo): string[] {
  const q = b.quality;
  const f = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? '—' : x.toFixed(d));
  return [String(b.id), b.method, b.name, String(b.nFeatures), b.status, f(q?.explainedVariance), f(q?.mse, 6), f(q?.l0, 1), f(q?.deadFraction, 3), f(q?.denseFraction, 3)];
}

const fit: Command = {
  usage: `cajal fit --project FILE --harvest ID --method METHOD [--k K] [--l1 λ] [--topk k] [--steps N] [--seed S]
         [--holdout F] [--param key=value …] [--rank R] [--nonneg] [--restarts N] [--json]
  Fits a basis to a harvest: neurons, random, pca, ica, nmf, kmeans, sae-l1, sae-topk, sae-batchtopk, sae-matryoshka, sae-jumprelu, sae-gated, sparse-coding, tca.
  tca (a harvest recorded at all positions): --rank R components (same as --k), --nonneg for HALS, --restarts N.
  --k is the number of features (components, clusters, dictionary size); more method parameters with --param,
  e.g. --param whiten=true, --param fun=cube, --param cosine=true, --param lr=0.001.
  An interrupted fit resumes from its last checkpoint with: cajal resume --project FILE --job ID.
${providerUsage}`,
  options: {
    ...common,
    harvest: { type: 'string' },
    method: { type: 'string' },
    k: { type: 'string' },
    l1: { type: 'string' },
    topk: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    holdout: { type: 'string' },
    param: { type: 'string', multiple: true },
    // tca (#15)
    rank: { type: 'string' },
    nonneg: { type: 'boolean' },
    restarts: { type: 'string' },
    provider: { type: 'string' }, // room: scale (#14 item 4)
  },
  async run(v) {
    const harvestId = num(v.harvest, 'harvest');
    if (harvestId === undefined || typeof v.method !== 'string') throw new UserError('cli.usage', 'cajal fit needs --harvest ID and --method METHOD.');
    const params: Record<string, number | string | boolean> = { ...extraParams(v.param) };
    const k = num(v.k, 'k');
    if (k !== undefined) params.nFeatures = k;
    const l1 = num(v.l1, 'l1');
    if (l1 !== undefined) params.l1Coefficient = l1;
    const topk = num(v.topk, 'topk');
    if (topk !== undefined) params.k = topk;
    const steps = num(v.steps, 'steps');
    if (steps !== undefined) params.steps = steps;
    const holdout = num(v.holdout, 'holdout');
    if (holdout !== undefined) params.holdout = holdout;
    // tca (#15): the rank is the number of features; --nonneg and --restarts are its own parameters.
    const rank = num(v.rank, 'rank');
    if (rank !== undefined) params.nFeatures = rank;
    if (v.nonneg) params.nonneg = true;
    const restarts = num(v.restarts, 'restarts');
    if (restarts !== undefined) params.restarts = restarts;
    const provider = providerFromFlags(v.method, v); // room: scale — refused here, before the project is opened
    if (provider !== undefined) params.provider = provider;
    return withProject(v, true, async (lab, call) => {
      const started = (await call('bases.fit', { harvestId, method: v.method, seed: num(v.seed, 'seed') ?? 0, params })) as { jobId: number; basisId: number };
      const job: JobInfo = await lab.jobs.wait(started.jobId);
      if (!v.json) process.stderr.write('\n');
      if (job.status !== 'done') throw new UserError(`fit.${job.status}`, job.error ?? `The fit ${job.status}.`);
      const basis = (await call('bases.get', { basisId: started.basisId })) as BasisInfo;
      if (v.json) out({ ok: true, jobId: started.jobId, basis: { ...basis, trainingLog: undefined } });
      else process.stdout.write(formatTable(['id', 'method', 'name', 'features', 'status', 'expl.var', 'mse', 'L0', 'dead', 'dense'], [qualityRow(basis)]));
      return 0;
    });
  },
};

const list: Command = {
  usage: 'cajal bases --project FILE [--harvest ID] [--json]\n  Lists the bases of a project with their quality metrics (held-out rows).',
  options: { ...common, harvest: { type: 'string' } },
  async run(v) {
    return withProject(v, false, async (_lab, call) => {
      const bases = (await call('bases.list', { harvestId: num(v.harvest, 'harvest') })) as BasisInfo[];
      if (v.json) out({ ok: true, bases });
      else process.stdout.write(formatTable(['id', 'method', 'name', 'features', 'status', 'expl.var', 'mse', 'L0', 'dead', 'dense'], bases.map(qualityRow)));
      return 0;
    });
  },
};

const exportSae: Command = {
  usage: 'cajal export-sae --project FILE --basis ID --out DIR [--json]\n  Writes the SAE as SAELens does: DIR/sae_weights.safetensors (W_enc [d,m], b_enc, W_dec [m,d], b_dec) and DIR/cfg.json.',
  options: { ...common, basis: { type: 'string' }, out: { type: 'string' } },
  async run(v) {
    return withProject(v, false, async (_lab, call) => {
      const r = await call('bases.exportSae', { basisId: num(v.basis, 'basis'), dir: v.out });
      if (v.json) out({ ok: true, ...(r as object) });
      else process.stdout.write(`Wrote ${(r as { files: string[] }).files.join(' and ')} to ${(r as { dir: string }).dir}\n`);
      return 0;
    });
  },
};

const importSae: Command = {
  usage: 'cajal import-sae --project FILE --harvest ID --sae PATH [--name NAME] [--json]\n  Reads an SAELens SAE (a folder with sae_weights.safetensors and cfg.json) as a basis of the harvest:\n  standard (ReLU) and TopK SAEs; JumpReLU, gated and run-time-normalised ones are refused.\n  It runs as a job (h18imp): the tensors are copied in blocks, with MB done, rate and ETA on stderr; an\n  interrupted or cancelled import is listed nowhere and finishes with cajal resume --project FILE --job ID.',
  options: { ...common, harvest: { type: 'string' }, sae: { type: 'string' }, name: { type: 'string' } },
  async run(v) {
    // h18imp (#18 item 4): the import is a job; its progress (MB, rate, ETA) goes to stderr as the copy runs.
    return withProject(v, true, async (_lab, call) => {
      const b = (await call('bases.importSae', { harvestId: num(v.harvest, 'harvest'), path: v.sae, name: v.name })) as BasisInfo;
      if (!v.json) process.stderr.write('\n');
      if (v.json) out({ ok: true, basis: b });
      else process.stdout.write(`Imported basis ${b.id}: ${b.name} (${b.nFeatures} features × ${b.dim})\n`);
      return 0;
    });
  },
};

const exportDirections: Command = {
  usage: 'cajal export-directions --project FILE --basis ID --out FILE.npy [--json]\n  Writes the basis directions (features × units, unit norm) as a float32 .npy.',
  options: { ...common, basis: { type: 'string' }, out: { type: 'string' } },
  async run(v) {
    return withProject(v, false, async (_lab, call) => {
      const r = (await call('bases.exportDirections', { basisId: num(v.basis, 'basis'), path: v.out })) as { path: string; shape: number[] };
      if (v.json) out({ ok: true, ...r });
      else process.stdout.write(`Wrote ${r.shape.join('×')} directions to ${r.path}\n`);
      return 0;
    });
  },
};

const importActivations: Command = {
  usage: 'cajal import-activations --project FILE --npy X.npy [--labels y.npy] [--name NAME] [--json]\n  Makes a harvest from a rows × units matrix computed elsewhere (float16/32/64).',
  options: { ...common, npy: { type: 'string' }, labels: { type: 'string' }, name: { type: 'string' } },
  async run(v) {
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    // Importing may start a project.
    const lab = new Lab(() => undefined, {});
    lab.openProject({ path: resolve(v.project), create: true });
    try {
      const h = await createRouter(lab, 'direct').call('harvests.importNpy', { path: v.npy, labelsPath: v.labels, name: v.name });
      if (v.json) out({ ok: true, harvest: h });
      else process.stdout.write(`Imported harvest ${(h as { id: number }).id}: ${(h as { rowsDone: number }).rowsDone} rows × ${(h as { dim: number }).dim} units\n`);
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

const resume: Command = {
  usage: 'cajal resume --project FILE --job ID [--json]\n  Resumes an interrupted, cancelled or failed job from its last checkpoint.',
  options: { ...common, job: { type: 'string' } },
  async run(v) {
    return withProject(v, true, async (lab, call) => {
      const jobId = num(v.job, 'job');
      await call('jobs.resume', { jobId });
      const job = await lab.jobs.wait(jobId!);
      if (!v.json) process.stderr.write('\n');
      if (job.status !== 'done') throw new UserError(`job.${job.status}`, job.error ?? `Job ${jobId} ${job.status}.`);
      if (v.json) out({ ok: true, job });
      else process.stdout.write(`Job ${jobId} finished.\n`);
      return 0;
    });
  },
};

export const basesCommands: Record<string, Command> = {
  fit,
  bases: list,
  'export-sae': exportSae,
  'import-sae': importSae,
  'export-directions': exportDirections,
  'import-activations': importActivations,
  resume,
};
export { withProject, num, extraParams, qualityRow }; // h12sweep (#12): shared with sweep-commands.ts
