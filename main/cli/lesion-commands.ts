// `cajal ablate`, `cajal shapley` and `cajal loss-recovered` (#10): lesion a harvest's units or a basis's features
// and report what they do to the model's outputs. Everything goes through the router, so the CLI validates as the
// UI does, and runs as the same jobs (progress on stderr, Ctrl-C leaves a run that `jobs.resume` continues).
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { ElementSelection, LesionResultRow, LesionsResults, ShapleySummary, SweepSummary } from '../api/contract';
import { createRouter, type Router } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { formatTable, out, progressPrinter } from './output';
import { parseIndexList } from './revcorr-commands';

type Options = NonNullable<ParseArgsConfig['options']>;

const targetOptions = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  project: { type: 'string' },
  harvest: { type: 'string' },
  basis: { type: 'string' },
  units: { type: 'string' },
  features: { type: 'string' },
  top: { type: 'string' },
  by: { type: 'string' },
  all: { type: 'boolean' },
  mode: { type: 'string' },
  value: { type: 'string' },
  positions: { type: 'string' },
  stimuli: { type: 'string' },
  output: { type: 'string' },
  seed: { type: 'string' },
} satisfies Options;

function number(v: unknown, flag: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new UserError('cli.usage', `--${flag} takes a ${integer ? 'whole ' : ''}number, not ${String(v)}.`);
  return x;
}

/** The target and lesion flags shared by ablate and shapley, as the router's params. */
function targetParams(v: Record<string, unknown>): Record<string, unknown> {
  if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
  if (v.basis === undefined && v.harvest === undefined) throw new UserError('cli.usage', 'Name --basis B (its features) or --harvest H (its units).');
  const list = (v.features ?? v.units) as string | undefined;
  const chosen = [list !== undefined, v.top !== undefined, v.all === true].filter(Boolean).length;
  if (chosen !== 1) throw new UserError('cli.usage', 'Choose the elements with exactly one of --features LIST (or --units LIST), --top N --by METRIC, or --all.');
  let elements: ElementSelection;
  if (list !== undefined) elements = { kind: 'list', indices: parseIndexList(list, v.features !== undefined ? 'features' : 'units') };
  else if (v.top !== undefined) {
    if (typeof v.by !== 'string') throw new UserError('cli.usage', '--top N needs --by METRIC (a metric stored for the basis, e.g. label-purity).');
    elements = { kind: 'top', n: number(v.top, 'top', true)!, by: v.by };
  } else elements = { kind: 'all' };
  const p: Record<string, unknown> = { elements, mode: v.mode ?? 'zero' };
  if (v.basis !== undefined) p.basisId = number(v.basis, 'basis', true);
  if (v.harvest !== undefined) p.harvestId = number(v.harvest, 'harvest', true);
  for (const [flag, key, integer] of [['value', 'value', false], ['stimuli', 'stimuli', true], ['seed', 'seed', true]] as const) {
    const x = number(v[flag], flag, integer);
    if (x !== undefined) p[key] = x;
  }
  if (v.positions !== undefined) p.positions = v.positions === 'center' ? 'centre' : v.positions;
  if (v.output !== undefined) p.output = v.output;
  return p;
}

async function withLab<T>(v: Record<string, unknown>, body: (call: <R>(m: string, p: unknown) => Promise<R>, lab: Lab, router: Router) => Promise<T>): Promise<T> {
  const lab = new Lab(v.json ? () => undefined : progressPrinter(), {});
  lab.openProject({ path: resolve(v.project as string), create: false });
  const router = createRouter(lab, 'direct');
  try {
    return await body(<R>(m: string, p: unknown) => router.call(m, p) as Promise<R>, lab, router);
  } finally {
    await lab.shutdown();
  }
}

async function finish(lab: Lab, jobId: number, json: boolean, what: string): Promise<void> {
  const job = await lab.jobs.wait(jobId);
  if (!json) process.stderr.write('\n');
  if (job.status !== 'done') throw new UserError(`lesions.${job.status}`, job.error ?? `The ${what} ${job.status}.`);
}

const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));

/** For each class, the elements whose lesion lowers that class's accuracy most (the lesion map read by row). */
export function worstPerClass(results: LesionResultRow[], clean: (number | null)[], k = 3): { class: number; elements: { element: number; drop: number }[] }[] {
  return clean.map((base, c) => ({
    class: c,
    elements: results
      .map((r) => ({ element: r.element, drop: (base ?? 0) - (r.effects.classes?.perClassAccuracy[c] ?? base ?? 0) }))
      .filter((e) => e.drop > 0)
      .sort((a, b) => b.drop - a.drop)
      .slice(0, k),
  }));
}

const ablate = {
  usage: `cajal ablate --project FILE (--basis B | --harvest H) (--features LIST | --units LIST | --top N --by METRIC | --all)
             [--mode zero|mean|resample|project|clamp|steer] [--value V] [--alpha a,b,c] [--positions all|centre]
             [--stimuli N] [--output NAME] [--seed S] [--json]
  Lesions each chosen feature (of a basis) or unit (of the harvested layer) alone and measures the model's outputs on
  the harvest's first N stimuli (default 1000): accuracy, per-class accuracy, mean Δlogit, cross-entropy and
  KL(clean ‖ lesioned) for a labelled class output, MSE and cosine for any output. Features are edited with the
  basis's error term kept (only that feature changes); steer adds α·direction for each α.`,
  options: { ...targetOptions, alpha: { type: 'string' } } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    const p = targetParams(v);
    if (v.alpha !== undefined) {
      p.alphas = String(v.alpha).split(',').map((a) => number(a.trim(), 'alpha')!);
      if (p.mode !== 'steer') throw new UserError('cli.usage', '--alpha applies to --mode steer.');
    }
    const json = Boolean(v.json);
    return withLab(v, async (call, lab) => {
      const { jobId, runId } = await call<LesionsResults['lesions.ablate']>('lesions.ablate', p);
      await finish(lab, jobId, json, 'ablation sweep');
      const { run, results } = await call<LesionsResults['lesions.get']>('lesions.get', { runId });
      const summary = run.summary as unknown as SweepSummary;
      const cleanAcc = summary.clean.accuracy;
      const worst = summary.clean.perClassAccuracy ? worstPerClass(results, summary.clean.perClassAccuracy) : null;
      if (json) {
        out({ ok: true, runId, jobId, summary, results, worstPerClass: worst });
        return 0;
      }
      process.stdout.write(`ablation: run ${runId} · ${String(p.mode)} · ${results.length} lesions · ${summary.stimuli} stimuli · output ${summary.output}${cleanAcc !== null ? ` · clean accuracy ${fmt(cleanAcc)}` : ''}\n`);
      const rows = [...results].sort((a, b) => (a.effects.classes?.accuracy ?? -a.effects.mse) - (b.effects.classes?.accuracy ?? -b.effects.mse));
      process.stdout.write(
        formatTable(
          ['element', 'α', 'Δ accuracy', 'cross-entropy', 'KL', 'MSE', 'cosine'],
          rows.map((r) => [r.name, r.alpha === null ? '—' : String(r.alpha), r.effects.classes && cleanAcc !== null ? fmt(r.effects.classes.accuracy - cleanAcc) : '—', fmt(r.effects.classes?.crossEntropy), fmt(r.effects.classes?.klCleanToLesioned, 4), fmt(r.effects.mse, 4), fmt(r.effects.cosine, 4)]),
        ),
      );
      if (worst) {
        const names = summary.classNames;
        process.stdout.write('hurts each class most (drop in that class\'s accuracy):\n');
        for (const w of worst) process.stdout.write(`  ${names?.[w.class] ?? `class ${w.class}`}: ${w.elements.length ? w.elements.map((e) => `${results.find((r) => r.element === e.element)!.name} −${fmt(e.drop)}`).join(', ') : 'no lesion lowers it'}\n`);
      }
      return 0;
    });
  },
};

const shapley = {
  usage: `cajal shapley --project FILE (--basis B | --harvest H) (--features LIST | --units LIST | --top N --by METRIC | --all)
              --game accuracy|loss|logit:CLASS [--mode zero|mean|resample|project|clamp] [--value V]
              [--method auto|exact|sampled|adaptive] [--top-k K] [--samples N] [--tolerance T] [--interactions K] [--stimuli N] [--seed S] [--json]
  Multi-perturbation Shapley analysis (Keinan et al. 2004; msapy's conventions): v(S) is the game's measure when every
  element outside S is lesioned; exact values up to 12 elements, permutation sampling beyond (N permutations, or
  until every standard error is under T), bootstrap intervals with Holm's correction, and pairwise interactions among
  the top K elements; adaptive settles only the top --top-k contributors among hundreds (Neuron Shapley, Ghorbani
  & Zou 2020: truncated, bandit-adaptive permutations). Coalition values are cached in the project, so a larger sample reuses them.`,
  options: { ...targetOptions, game: { type: 'string' }, method: { type: 'string' }, samples: { type: 'string' }, tolerance: { type: 'string' }, interactions: { type: 'string' }, 'top-k': { type: 'string' } } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    const p = targetParams(v);
    if (typeof v.game !== 'string') throw new UserError('cli.usage', 'Name the game with --game accuracy, loss or logit:CLASS.');
    p.game = v.game;
    if (v.method !== undefined) p.method = v.method;
    for (const [flag, key, integer] of [['samples', 'samples', true], ['tolerance', 'tolerance', false], ['interactions', 'interactions', true], ['top-k', 'top', true]] as const) {
      const x = number(v[flag], flag, integer);
      if (x !== undefined) p[key] = x;
    }
    const json = Boolean(v.json);
    return withLab(v, async (call, lab) => {
      const { jobId, runId } = await call<LesionsResults['lesions.shapley']>('lesions.shapley', p);
      await finish(lab, jobId, json, 'MSA');
      const { run } = await call<LesionsResults['lesions.get']>('lesions.get', { runId });
      const s = run.summary as unknown as ShapleySummary;
      const sum = s.values.reduce((a, b) => a + b, 0);
      if (json) {
        out({ ok: true, runId, jobId, elements: run.elements, summary: s, efficiency: { sum, vAllMinusVNone: s.vAll - s.vNone } });
        return 0;
      }
      process.stdout.write(`shapley: run ${runId} · v = ${s.game} · ${s.method} (${s.method === 'exact' ? `${2 ** s.names.length} coalitions` : `${s.permutations} permutations, stopped ${s.stoppedBy === 'settled' ? 'when the top contributors settled' : `by ${s.stoppedBy}`}`}) · ${s.stimuli} stimuli · ${s.evaluated} coalitions evaluated, ${s.cached} cached before\n`);
      const order = s.values.map((_, i) => i).sort((a, b) => Math.abs(s.values[b]!) - Math.abs(s.values[a]!));
      process.stdout.write(
        formatTable(
          ['element', 'Shapley value', '± SE', '95% interval', 'matters (Holm)'],
          order.map((i) => [s.names[i]!, fmt(s.values[i], 4), s.method === 'exact' ? 'exact' : fmt(s.stderr[i], 4), s.significance ? `${fmt(s.significance[i]!.low, 4)} … ${fmt(s.significance[i]!.high, 4)}` : '—', s.significance ? (s.significance[i]!.matters ? 'yes' : 'no') : '—']),
        ),
      );
      process.stdout.write(`efficiency: Σ values = ${fmt(sum, 6)}; v(all) − v(none) = ${fmt(s.vAll, 4)} − ${fmt(s.vNone, 4)} = ${fmt(s.vAll - s.vNone, 6)}\n`);
      const k = s.interactionElements.length;
      if (k > 1) {
        const pairs: [number, number, number][] = [];
        for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) pairs.push([s.interactionElements[a]!, s.interactionElements[b]!, s.interactions[a * k + b]!]);
        pairs.sort((x, y) => Math.abs(y[2]) - Math.abs(x[2]));
        process.stdout.write(`strongest interactions (γ_ij − γ_i − γ_j): ${pairs.slice(0, 5).map(([a, b, g]) => `${s.names[a]} × ${s.names[b]} ${fmt(g, 4)}`).join('; ')}\n`);
      }
      return 0;
    });
  },
};

const lossRecovered = {
  usage: `cajal loss-recovered --project FILE --basis B [--stimuli N] [--output NAME] [--json]
  Splices the basis's reconstruction in for its layer and scores it between the clean model (1) and the layer
  zero- or mean-ablated (0): (L_ablated − L_spliced) / (L_ablated − L_clean), with L the cross-entropy to the labels
  (the CE loss score) and with L = KL(clean ‖ ·). \`cajal bases --json\` shows the latest figures of each basis.
  A basis of a text harvest (a token model, #13): L is the next-token cross-entropy at every position of the set's
  first N contexts (--stimuli N), the reconstruction spliced in at every token position.`,
  options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, project: { type: 'string' }, basis: { type: 'string' }, stimuli: { type: 'string' }, output: { type: 'string' } } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    if (v.basis === undefined) throw new UserError('cli.usage', 'Name the basis with --basis B.');
    const p: Record<string, unknown> = { basisId: number(v.basis, 'basis', true) };
    if (v.stimuli !== undefined) p.stimuli = number(v.stimuli, 'stimuli', true);
    if (v.output !== undefined) p.output = v.output;
    const json = Boolean(v.json);
    return withLab(v, async (call, lab) => {
      const { jobId, runId } = await call<LesionsResults['lesions.lossRecovered']>('lesions.lossRecovered', p);
      await finish(lab, jobId, json, 'loss-recovered run');
      const { run } = await call<LesionsResults['lesions.get']>('lesions.get', { runId });
      const s = run.summary as Record<string, number | null>;
      if (json) out({ ok: true, runId, jobId, summary: s });
      else process.stdout.write(`loss recovered by basis ${String(p.basisId)}: CE score ${fmt(s.ceScoreZero)} (zero-ablation baseline), ${fmt(s.ceScoreMean)} (mean); KL score ${fmt(s.klScoreZero)} (zero), ${fmt(s.klScoreMean)} (mean)\n`);
      // room: text (#13) — a token model's CE values (nats per next token) and how many positions were scored.
      if (!json && run.summary?.unit === 'context') {
        const ce = (k: string) => fmt((run.summary![k] as { crossEntropy: number | null }).crossEntropy);
        process.stdout.write(`next-token cross-entropy (nats): clean ${ce('clean')}, spliced ${ce('spliced')}, zero-ablated ${ce('zero')}, mean-ablated ${ce('mean')} over ${String(s.tokens)} positions of ${String(s.stimuli)} contexts\n`);
      }
      return 0;
    });
  },
};

export const lesionCommands = { ablate, shapley, 'loss-recovered': lossRecovered };
