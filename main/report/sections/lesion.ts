// A lesion section (#10): what was lesioned (harvest, basis, elements, intervention, stimuli) and what it did. For an
// ablation sweep: the lesion map (elements × classes, Δ per-class accuracy) as inline SVG, the effect table of the
// most harmful lesions, and per class the elements whose loss hurts it most. For a Shapley analysis: v(all), v(none)
// and the efficiency check, the values as bars with ±SE whiskers, the value table with bootstrap significance, and
// the interaction heatmap.
import { svgChart } from '../charts';
import { int, num, pValue, pct } from '../format';
import { html, type Markup } from '../html';
import type { LesionRunSnapshot } from '../snapshot';
import { alphasOf, classNames, effectRows, lesionMatrix, rowsAt, sortRows, worstPerClass, type SweepClean } from '../../lesions/sweep-view';
import { efficiency, interactionCells, shapleyOrder, type ShapleyView } from '../../lesions/shapley-view';
import { basesTable, harvestTable } from './comparison';

/** Rows of the effect table and of the lesion map a section shows at most (the most harmful first). */
const TABLE_ROWS = 50;
const MAP_ROWS = 64;

interface SweepSummaryView extends SweepClean {
  stimuli: number;
  output: string;
  alphas: number[] | null;
}

interface ShapleySummaryView extends ShapleyView {
  game: string;
  stimuli: number;
  method: 'exact' | 'sampled';
  stderr: number[];
  permutations: number;
  stoppedBy: string;
  significance: Array<{ low: number; high: number; p: number; pHolm: number; matters: boolean }> | null;
  evaluated: number;
  cached: number;
}

const DIVERGING = ['#b2182b', '#f4a582', '#f7f7f7', '#92c5de', '#2166ac'];

function paramsTable(s: LesionRunSnapshot, extra: [string, string][]): Markup {
  const p = s.run.params as { mode?: string; value?: number; positions?: string; seed?: number };
  const what = s.basis ? `${s.run.elements.length} features of ${s.basis.name} (#${s.basis.basisId})` : `${s.run.elements.length} units of the harvest`;
  const shown = s.run.elements.length > 40 ? `${s.run.elements.slice(0, 40).join(', ')}, …` : s.run.elements.join(', ');
  return html`<table class="kv">
    <tr><th>Run</th><td>#${s.run.id} (${s.run.kind === 'sweep' ? 'ablation sweep' : 'Shapley analysis'})</td></tr>
    <tr><th>Elements</th><td>${what}: <span class="mono">${shown}</span></td></tr>
    <tr><th>Intervention</th><td>${p.mode ?? '—'}${p.mode === 'clamp' ? ` to ${num(p.value ?? null)}` : ''}, positions ${p.positions ?? 'all'}, seed ${p.seed ?? 0}</td></tr>
    ${extra.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}
  </table>`;
}

function lesionMapChart(names: string[], classes: string[], matrix: (number | null)[][], label: string): Markup {
  const data: [number, number, number][] = [];
  let max = 0;
  matrix.forEach((row, y) =>
    row.forEach((v, x) => {
      if (v === null || !Number.isFinite(v)) return;
      data.push([x, y, v]);
      max = Math.max(max, Math.abs(v));
    }),
  );
  const height = Math.max(160, 14 * names.length + 80);
  return svgChart(
    {
      grid: { left: 90, right: 14, top: 10, bottom: 60 },
      xAxis: { type: 'category', data: classes, name: 'class', nameLocation: 'middle', nameGap: 22 },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: { interval: 0, fontSize: 9 } },
      visualMap: { min: -(max || 1), max: max || 1, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, itemWidth: 10, text: ['+', '−'], inRange: { color: DIVERGING } },
      series: [{ type: 'heatmap', data }],
    },
    Math.max(360, 90 + 40 * classes.length),
    height,
    label,
  );
}

function sweepBody(s: LesionRunSnapshot): Markup {
  const sum = s.run.summary as unknown as SweepSummaryView;
  const alphas = alphasOf(s.rows);
  // Steering: the map and the culprits at the strongest α; the table keeps every α.
  const mapAlpha = alphas.length ? alphas.reduce((b, a) => (Math.abs(a) > Math.abs(b) ? a : b), alphas[0]!) : null;
  const atAlpha = rowsAt(s.rows, mapAlpha);
  const classes = classNames(s.rows, sum);
  const hasClasses = s.rows.some((r) => r.effects.classes);
  const table = sortRows(effectRows(s.rows, sum), hasClasses ? 'deltaAccuracy' : 'mse', hasClasses ? 1 : -1);
  const matrix = lesionMatrix(atAlpha, sum, 'accuracy');
  const harm = atAlpha.map((r, i) => ({ i, h: (matrix[i] ?? []).reduce<number>((a, v) => a + Math.min(0, v ?? 0), 0) }));
  const mapIdx = harm.length > MAP_ROWS ? harm.sort((a, b) => a.h - b.h).slice(0, MAP_ROWS).map((x) => x.i).sort((a, b) => a - b) : atAlpha.map((_, i) => i);
  const culprits = worstPerClass(atAlpha, sum);
  const extra: [string, string][] = [
    ['Stimuli', `${int(sum.stimuli)}; output ${sum.output}`],
    ['Clean accuracy', pct(sum.clean.accuracy)],
  ];
  if (alphas.length) extra.push(['Steering α', alphas.map((a) => num(a)).join(', ')]);
  return html`
    ${paramsTable(s, extra)}
    ${
      hasClasses
        ? html`<figure>${lesionMapChart(
            mapIdx.map((i) => atAlpha[i]!.name),
            classes,
            mapIdx.map((i) => matrix[i]!),
            'Lesion map: change of each class accuracy when each element is lesioned',
          )}<figcaption>Lesion map${mapAlpha !== null ? ` at α = ${num(mapAlpha)}` : ''}: lesioned − clean accuracy of each class (red: the class suffers)${
            mapIdx.length < atAlpha.length ? `; the ${mapIdx.length} of ${atAlpha.length} elements whose lesions cost the most` : ''
          }.</figcaption></figure>
          <h4>Whose loss hurts each class most</h4>
          <table>
            <thead><tr><th>class</th><th>elements (Δ accuracy of the class)</th></tr></thead>
            <tbody>${culprits.map((list, k) => html`<tr><td>${classes[k]}</td><td>${list.length ? list.map((c, j) => html`${j ? ', ' : ''}${c.name} (${num(c.delta * 100, 3)} pt)`) : html`<span class="muted">no lesion lowers it</span>`}</td></tr>`)}</tbody>
          </table>`
        : html`<p class="muted">The output has no labelled class axis: the table gives MSE and cosine to the clean output.</p>`
    }
    <h4>Effects${table.length > TABLE_ROWS ? ` (the ${TABLE_ROWS} most harmful of ${int(table.length)})` : ''}</h4>
    <table>
      <thead><tr><th>element</th>${alphas.length ? html`<th class="n">α</th>` : ''}<th class="n">Δ accuracy</th><th class="n">CE</th><th class="n">KL(clean ‖ lesioned)</th><th class="n">MSE</th><th class="n">cosine</th></tr></thead>
      <tbody>${table.slice(0, TABLE_ROWS).map(
        (r) => html`<tr><td>${r.name}</td>${alphas.length ? html`<td class="n">${num(r.alpha)}</td>` : ''}<td class="n">${r.deltaAccuracy === null ? '—' : `${num(r.deltaAccuracy * 100, 3)} pt`}</td><td class="n">${num(r.crossEntropy)}</td><td class="n">${num(r.kl)}</td><td class="n">${num(r.mse)}</td><td class="n">${num(r.cosine)}</td></tr>`,
      )}</tbody>
    </table>`;
}

function shapleyBars(sum: ShapleySummaryView): Markup {
  const order = shapleyOrder(sum);
  return svgChart(
    {
      grid: { left: 60, right: 14, top: 14, bottom: order.length > 12 ? 70 : 36 },
      xAxis: { type: 'category', data: order.map((i) => `${sum.names[i]}${sum.significance?.[i]?.matters ? ' *' : ''}`), axisLabel: { interval: 0, rotate: order.length > 12 ? 45 : 0, fontSize: 9 } },
      yAxis: { type: 'value', name: 'Shapley value' },
      series: [
        { type: 'bar', data: order.map((i) => ({ value: sum.values[i], itemStyle: sum.significance?.[i]?.matters === false ? { color: '#a9c4e2' } : { color: '#2a6fb8' } })) },
        {
          type: 'custom',
          data: order.map((i, x) => [x, sum.values[i]! - (sum.stderr[i] ?? 0), sum.values[i]! + (sum.stderr[i] ?? 0)]),
          renderItem: (_p: unknown, api: { value(i: number): number; coord(p: number[]): number[] }) => {
            const lo = api.coord([api.value(0), api.value(1)]);
            const hi = api.coord([api.value(0), api.value(2)]);
            if (Math.abs(hi[1]! - lo[1]!) < 1) return { type: 'group', children: [] };
            const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: 'line', shape: { x1, y1, x2, y2 }, style: { stroke: '#1d232b', lineWidth: 1 } });
            return { type: 'group', children: [line(lo[0]!, lo[1]!, hi[0]!, hi[1]!), line(lo[0]! - 4, lo[1]!, lo[0]! + 4, lo[1]!), line(hi[0]! - 4, hi[1]!, hi[0]! + 4, hi[1]!)] };
          },
        },
      ],
    },
    Math.max(420, 80 + 28 * order.length),
    280,
    'Shapley value of each element with one standard error',
  );
}

function interactionChart(sum: ShapleySummaryView): Markup {
  const { names, cells, max } = interactionCells(sum);
  return svgChart(
    {
      grid: { left: 90, right: 14, top: 10, bottom: 80 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 45, fontSize: 9 } },
      yAxis: { type: 'category', data: names, inverse: true, axisLabel: { interval: 0, fontSize: 9 } },
      visualMap: { min: -(max || 1), max: max || 1, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, itemWidth: 10, text: ['+', '−'], inRange: { color: [...DIVERGING].reverse() } },
      series: [{ type: 'heatmap', data: cells }],
    },
    Math.max(360, 110 + 26 * names.length),
    Math.max(300, 100 + 26 * names.length),
    'Pairwise Shapley interactions of the top elements',
  );
}

function shapleyBody(s: LesionRunSnapshot): Markup {
  const sum = s.run.summary as unknown as ShapleySummaryView;
  const eff = efficiency(sum);
  const order = shapleyOrder(sum);
  const game = sum.game === 'accuracy' ? 'accuracy' : sum.game === 'loss' ? '−cross-entropy to the labels' : `mean logit of class ${sum.game.slice(6)}`;
  const extra: [string, string][] = [
    ['Game', `v(S) = ${game} with every element outside S lesioned, over ${int(sum.stimuli)} stimuli`],
    ['Method', sum.method === 'exact' ? 'exact enumeration of every coalition' : `permutation sampling: ${int(sum.permutations)} permutations (stopped by ${sum.stoppedBy})`],
    ['v(all), v(none)', `${num(sum.vAll, 6)}, ${num(sum.vNone, 6)}`],
    ['Efficiency', `Σ φ = ${num(eff.sum, 6)} against v(all) − v(none) = ${num(eff.target, 6)}: gap ${eff.gap.toExponential(1)}`],
    ['Coalitions', `${int(sum.evaluated)} run on the model, ${int(sum.cached)} from the project's cache`],
  ];
  return html`
    ${paramsTable(s, extra)}
    <figure>${shapleyBars(sum)}<figcaption>Shapley values, largest first${sum.method === 'sampled' ? '; whiskers ±1 standard error; * the bootstrap interval excludes 0 after Holm’s correction (pale bars: it does not)' : ''}.</figcaption></figure>
    <table>
      <thead><tr><th>element</th><th class="n">φ</th><th class="n">SE</th>${sum.significance ? html`<th class="n">bootstrap interval</th><th class="n">Holm p</th><th>matters</th>` : ''}</tr></thead>
      <tbody>${order.map((i) => {
        const g = sum.significance?.[i];
        return html`<tr><td>${sum.names[i]}</td><td class="n">${num(sum.values[i])}</td><td class="n">${sum.stderr[i] ? num(sum.stderr[i]) : '—'}</td>${
          sum.significance ? html`<td class="n">${g ? `[${num(g.low)}, ${num(g.high)}]` : '—'}</td><td class="n">${pValue(g?.pHolm)}</td><td${g?.matters ? html` class="sig"` : ''}>${g?.matters ? 'yes' : 'no'}</td>` : ''
        }</tr>`;
      })}</tbody>
    </table>
    ${sum.interactionElements.length > 1 ? html`<figure>${interactionChart(sum)}<figcaption>Pairwise interactions γ_ij − γ_i − γ_j of the ${sum.interactionElements.length} elements of largest value (red: the pair does more together than apart).</figcaption></figure>` : ''}`;
}

/** Indices as the CLI takes them: runs of consecutive numbers as ranges ("0-7,12"). */
export function indexRanges(xs: number[]): string {
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** The `cajal ablate` / `cajal shapley` command that redoes the run (ids as in this project). */
export function lesionCommand(s: LesionRunSnapshot): string {
  const p = s.run.params as Record<string, unknown>;
  const flag = (name: string, v: unknown) => (v === undefined || v === null ? '' : ` --${name} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  const target = s.run.basisId !== null ? `--basis ${s.run.basisId} --features ${indexRanges(s.run.elements)}` : `--harvest ${s.run.harvestId} --units ${indexRanges(s.run.elements)}`;
  const common = `${flag('mode', p.mode)}${flag('value', p.value)}${flag('positions', p.positions)}${flag('stimuli', p.stimuli)}${flag('output', p.output)}${flag('seed', p.seed)}`;
  return s.run.kind === 'sweep'
    ? `cajal ablate --project reproduced.cajal ${target}${common}${flag('alpha', p.alphas)}`
    : `cajal shapley --project reproduced.cajal ${target}${flag('game', p.game)}${common}${flag('method', p.method)}${flag('samples', p.samples)}${flag('tolerance', p.tolerance)}${flag('interactions', p.interactions)}`;
}

const METHOD_SWEEP =
  'Each element is lesioned alone on the harvest’s first stimuli and the model’s output is compared with the clean run: accuracy and per-class accuracy against the labels, the mean change of each class logit, cross-entropy to the labels, KL(clean ‖ lesioned) and, for any output, MSE and cosine to the clean output. Features of a basis are edited with the basis’s error term kept, so only that feature changes; steering adds α times the element’s direction.';
const METHOD_MSA =
  'Multi-perturbation Shapley analysis (Keinan et al., 2004; the conventions of the msapy package): v(S) is the game’s measure with every element outside S lesioned, and an element’s Shapley value is its average marginal contribution over orderings, so the values sum to v(all) − v(none). Exact by enumerating every coalition up to 12 elements; beyond, by sampling permutations, with a standard error per element and bootstrap intervals corrected for multiple comparisons by Holm’s method. Interactions are msapy’s network interactions, γ_ij − γ_i − γ_j.';

export function lesionSection(s: LesionRunSnapshot): Markup {
  return html`
    <p class="small">${s.run.kind === 'sweep' ? METHOD_SWEEP : METHOD_MSA}</p>
    ${harvestTable(s.harvest)}
    ${s.basis ? basesTable([s.basis]) : ''}
    ${s.run.kind === 'sweep' ? sweepBody(s) : shapleyBody(s)}
    <p class="small muted">The run again (harvest and basis numbers as in this project; the Reproduce appendix maps them to the new project’s):</p>
    <pre class="commands">${lesionCommand(s)}</pre>`;
}
