// A sparsity-frontier section (h12front, #12 item 3): every finished basis of a harvest at (L0, explained variance) on
// held-out rows, each swept SAE method a line in order of L0 — the chart the Bases panel draws — then the pair chosen
// on the card compared at equal L0, every other frontier against the pair's second, and each run's numbers. The
// comparisons are computed here from the stored points by frontier-compare.ts, the same function the card and the
// bench use, so the report says what the app said.
import * as echarts from 'echarts/core';
import { LineChart, ScatterChart } from 'echarts/charts';
import { LegendComponent } from 'echarts/components';
import { compareAtEqualL0, evPerDoubling, type FrontierComparison, type FrontierPoint } from '../../bases/frontier-compare';
import { int, num, pct } from '../format';
import { html, type Markup } from '../html';
import { svgChart } from '../charts';
import type { FrontierBasis, FrontierSnapshot } from '../snapshot';
import { harvestTable } from './comparison';

echarts.use([LineChart, ScatterChart, LegendComponent]);

const MUTED = '#5d6875';
const COLOURS = ['#2a6fb8', '#d07a2a', '#2f8a4c', '#8e4bb0', '#b09000', '#c0392b', '#17becf', '#e377c2'];
const axis = { axisLabel: { color: MUTED, fontSize: 9 }, nameTextStyle: { color: MUTED, fontSize: 10 }, splitLine: { lineStyle: { color: '#eceef1' } } };

const lineOf = (s: FrontierSnapshot, method: string) => s.bases.filter((b) => b.method === method).sort((x, y) => x.l0 - y.l0);
const pointsOf = (bases: FrontierBasis[]): FrontierPoint[] => bases.map((b) => ({ l0: b.l0, ev: b.explainedVariance }));
const meanDead = (bases: FrontierBasis[]) => (bases.length ? bases.reduce((a, b) => a + b.deadFraction, 0) / bases.length : null);
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${num(x)}`);

/**
 * The frontier chart: every line and the other bases (`only` null), or just the lines named in `only` with the EV axis
 * fitted to their runs, so a gap of 0.01 between two frontiers can be seen.
 */
function chart(s: FrontierSnapshot, only: string[] | null): Markup {
  const lines = s.frontiers
    .map((f, i) => ({ method: f.method, colour: COLOURS[i % COLOURS.length]!, pts: lineOf(s, f.method) }))
    .filter((l) => l.pts.length > 0 && (only === null || only.includes(l.method)));
  const others = only === null ? s.bases.filter((b) => !s.frontiers.some((f) => f.method === b.method)) : [];
  const shown = [...lines.flatMap((l) => l.pts), ...others];
  const log = shown.length > 0 && shown.every((b) => b.l0 > 0);
  const evs = shown.map((b) => b.explainedVariance);
  const [lo, hi] = [Math.min(...evs), Math.max(...evs)];
  const pad = Math.max(0.005, (hi - lo) * 0.1);
  const y = only === null ? { min: Math.floor(Math.min(lo, 0.9) * 10) / 10, max: Math.max(1, hi) } : { min: Math.floor((lo - pad) * 100) / 100, max: Math.ceil((hi + pad) * 100) / 100 };
  const series = [
    ...lines.map((l) => ({ name: l.method, type: 'line', data: l.pts.map((b) => [b.l0, b.explainedVariance]), symbolSize: 6, lineStyle: { width: 1.5, color: l.colour }, itemStyle: { color: l.colour } })),
    ...(others.length ? [{ name: 'other', type: 'scatter', data: others.map((b) => [b.l0, b.explainedVariance]), symbolSize: 6, itemStyle: { color: MUTED } }] : []),
  ];
  const [width, height] = only === null ? [640, 320] : [400, 240];
  return svgChart(
    {
      grid: { left: 56, right: 14, top: 30, bottom: 36 },
      legend: { top: 2, left: 40, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 10, color: MUTED } },
      xAxis: { type: log ? 'log' : 'value', logBase: 10, name: 'L0 (active features per row)', nameLocation: 'middle', nameGap: 22, ...axis, ...(log ? {} : { min: 0 }) },
      yAxis: { type: 'value', name: 'explained variance', nameLocation: 'middle', nameGap: 40, ...y, ...axis },
      series,
    },
    width,
    height,
    only === null
      ? `Explained variance against L0 on held-out rows: ${lines.map((l) => `${l.method} (${l.pts.length} runs)`).join(', ')}${others.length ? `, and ${others.length} other bases as points` : ''}`
      : `${lines.map((l) => l.method).join(' and ')} alone, the explained-variance axis fitted to their runs`,
  );
}

/** "A falls short of B at L0 4.0 by 0.010" or "A reconstructs at least as much as B at every shared L0". */
function verdict(a: string, b: string, c: FrontierComparison): string {
  if (!c.gaps.length) return `The ${a} and ${b} frontiers share no L0 range, so they are not compared (nothing is extrapolated).`;
  const worst = c.gaps.reduce((w, g) => (g.gap < w.gap ? g : w));
  if (worst.gap >= 0) return `${a} reconstructs at least as much as ${b} at every shared L0 (${c.gaps.length} ${c.gaps.length === 1 ? 'point' : 'points'}; mean gap ${signed(c.meanGap)}).`;
  return `${a} falls short of ${b} at ${c.gaps.filter((g) => g.gap < 0).length} of ${c.gaps.length} shared L0s, most at L0 ${num(worst.l0)} (${signed(worst.gap)}); mean gap ${signed(c.meanGap)}.`;
}

function pairPart(s: FrontierSnapshot, a: string, b: string): Markup {
  const A = lineOf(s, a);
  const B = lineOf(s, b);
  const c = compareAtEqualL0(pointsOf(A), pointsOf(B));
  return html`<h3>${a} against ${b} at equal L0</h3>
    <p data-verdict="${a}|${b}">${verdict(a, b, c)} Dead latents on held-out rows, the mean over each frontier's runs: ${a} ${pct(meanDead(A), 0)}, ${b} ${pct(meanDead(B), 0)}.</p>
    <figure data-zoom="${a}|${b}">${chart(s, [a, b])}</figure>
    ${
      c.gaps.length
        ? html`<table data-pair="${a}|${b}">
            <thead><tr><th class="n">L0</th><th>run of</th><th class="n">EV ${a}</th><th class="n">EV ${b}</th><th class="n">gap</th></tr></thead>
            <tbody>${c.gaps.map(
              (g) => html`<tr><td class="n">${num(g.l0)}</td><td>${g.measured === 'a' ? a : b}</td><td class="n">${num(g.evA, 4)}</td><td class="n">${num(g.evB, 4)}</td><td class="n" data-gap="${g.gap}">${signed(g.gap)}</td></tr>`,
            )}</tbody>
          </table>`
        : ''
    }`;
}

function againstPart(s: FrontierSnapshot, ref: string): Markup {
  const others = s.frontiers.map((f) => f.method).filter((m) => m !== ref && lineOf(s, m).length > 0);
  if (!others.length) return html``;
  const R = lineOf(s, ref);
  return html`<h3>Every frontier against ${ref}</h3>
    <table data-against="${ref}">
      <thead><tr><th>method</th><th class="n">runs</th><th class="n">L0 range</th><th class="n">shared L0s</th><th class="n">mean gap</th><th class="n">smallest gap</th><th class="n">dead (mean)</th></tr></thead>
      <tbody>${others.map((m) => {
        const M = lineOf(s, m);
        const c = compareAtEqualL0(pointsOf(M), pointsOf(R));
        return html`<tr data-method="${m}"><td>${m}</td><td class="n">${M.length}</td><td class="n">${num(M[0]!.l0)}–${num(M.at(-1)!.l0)}</td><td class="n">${c.gaps.length}</td><td class="n" data-mean-gap="${c.meanGap ?? ''}">${signed(c.meanGap)}</td><td class="n">${signed(c.minGap)}</td><td class="n">${pct(meanDead(M), 0)}</td></tr>`;
      })}</tbody>
    </table>
    <p class="muted small">${ref}: ${R.length} runs, L0 ${R.length ? `${num(R[0]!.l0)}–${num(R.at(-1)!.l0)}` : '—'}, dead ${pct(meanDead(R), 0)}. A positive gap means the method reconstructs more than ${ref} at that sparsity.</p>`;
}

function runsTable(s: FrontierSnapshot): Markup {
  const order = new Map(s.frontiers.map((f, i) => [f.method, i]));
  const rows = [...s.bases].sort((x, y) => (order.get(x.method) ?? 99) - (order.get(y.method) ?? 99) || x.method.localeCompare(y.method) || x.l0 - y.l0);
  // Along each swept method's line: what a run gains over the previous one per doubling of L0.
  const slope = new Map<string, Map<number, number | null>>(s.frontiers.map((f) => [f.method, new Map(evPerDoubling(pointsOf(lineOf(s, f.method))).map((p) => [p.l0, p.perDoubling]))]));
  return html`<table data-runs>
    <thead><tr><th class="n">id</th><th>name</th><th>method</th><th>swept</th><th class="n">features</th><th class="n">L0</th><th class="n">explained var.</th><th class="n" title="Explained variance gained over the method's previous run, per doubling of L0">ΔEV per 2× L0</th><th class="n">dead</th><th class="n">dense</th><th class="n">seed</th></tr></thead>
    <tbody>${rows.map((b) => {
      const d = slope.get(b.method)?.get(b.l0) ?? null;
      return html`<tr data-basis="${b.basisId}"><td class="n">${b.basisId}</td><td>${b.name}</td><td>${b.method}</td><td class="mono">${b.swept ? `${b.swept.key} = ${num(b.swept.value)}` : '—'}</td><td class="n">${int(b.nFeatures)}</td><td class="n" data-l0="${b.l0}">${num(b.l0)}</td><td class="n" data-ev="${b.explainedVariance}">${num(b.explainedVariance, 4)}</td><td class="n" data-per-doubling="${d ?? ''}">${signed(d)}</td><td class="n">${pct(b.deadFraction, 1)}</td><td class="n">${pct(b.denseFraction, 1)}</td><td class="n">${b.seed}</td></tr>`;
    })}</tbody>
  </table>
  <p class="muted small">ΔEV per 2× L0: the explained variance a run gains over the previous run of its method, divided by how many times L0 doubled between them — where it falls towards 0, more active latents stop buying reconstruction.</p>`;
}

export function frontierSection(s: FrontierSnapshot): Markup {
  const heldOut = [...new Set(s.bases.map((b) => b.heldOutRows))];
  return html`${harvestTable(s.harvest)}
    <p>Every finished basis of the harvest at its L0 — the mean number of features active (|f| &gt; 10⁻⁸) per row — and
    its explained variance, both on the rows held out from fitting (${heldOut.length === 1 ? `${int(heldOut[0])} rows` : `${heldOut.map(int).join(' / ')} rows`}). Each
    swept method is a line through its runs in order of L0, so a sweep over k or the L1 coefficient draws where
    reconstruction stops improving; other bases are points. Two frontiers are compared at equal L0, as Gao et al. (2024)
    and Bussmann et al. (2024) compare SAEs: at every run of one inside the other's L0 range, the other interpolated
    linearly in log L0 between its neighbouring runs, never extrapolated — a BatchTopK SAE's L0 is what its threshold
    keeps, not k, so runs of equal k would compare different sparsities.</p>
    <figure>${chart(s, null)}</figure>
    ${s.pair ? pairPart(s, s.pair.a, s.pair.b) : html`<p class="muted">Fewer than two frontiers have runs, so none is compared at equal L0.</p>`}
    ${s.pair ? againstPart(s, s.pair.b) : ''}
    <h3>Runs</h3>
    ${runsTable(s)}`;
}
