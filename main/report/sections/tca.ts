// A TCA section (#15): the rank sweep's two diagnostics as Williams et al. draw them — reconstruction error against
// rank (every restart a dot, the best a line) and each restart's similarity to the best fit — then, for the rank
// chosen, each component's three factors side by side: units as bars, positions as a line, stimuli as dots coloured
// by label.
import * as echarts from 'echarts/core';
import { LineChart, ScatterChart } from 'echarts/charts';
import { int, num } from '../format';
import { html, type Markup } from '../html';
import { svgChart } from '../charts';
import type { TcaSweepSnapshot } from '../snapshot';
import { harvestTable } from './comparison';

echarts.use([LineChart, ScatterChart]);

const ACCENT = '#2a6fb8';
const MUTED = '#5d6875';
const LABEL_COLOURS = ['#2a6fb8', '#d07a2a', '#2f8a4c', '#8e4bb0', '#b09000', '#c0392b', '#17becf', '#7f7f7f', '#e377c2', '#8c564b'];
const axis = { axisLabel: { color: MUTED, fontSize: 9 }, nameTextStyle: { color: MUTED, fontSize: 10 }, splitLine: { lineStyle: { color: '#eceef1' } } };

/** Stimuli a stimulus-factor chart draws at most: every SVG dot is a path in the report's HTML. */
const MAX_DOTS = 2000;

/** Indices of every k-th stimulus, k the smallest step that keeps at most MAX_DOTS. */
function everyKth(n: number): number[] {
  const k = Math.max(1, Math.ceil(n / MAX_DOTS));
  return Array.from({ length: Math.ceil(n / k) }, (_, j) => j * k);
}

/** 'positions', or 'checkpoints' for a checkpoint series. */
function middleName(s: TcaSweepSnapshot): string {
  return s.middle?.kind === 'checkpoint' ? 'checkpoints' : 'positions';
}

function diagnostic(s: TcaSweepSnapshot, which: 'error' | 'similarity'): Markup {
  const dots = s.ranks.flatMap((r) => (which === 'error' ? r.errors : r.similarities).map((v) => [r.rank, v]));
  const line = s.ranks.map((r) => [r.rank, which === 'error' ? r.bestError : r.meanSimilarity]);
  const name = which === 'error' ? 'reconstruction error ‖X − X̂‖/‖X‖' : 'similarity to best fit';
  return svgChart(
    {
      grid: { left: 46, right: 10, top: 14, bottom: 30 },
      xAxis: { type: 'value', name: 'rank', nameLocation: 'middle', nameGap: 18, minInterval: 1, ...axis },
      yAxis: { type: 'value', name, scale: which === 'error', ...(which === 'similarity' ? { min: 0, max: 1 } : {}), ...axis },
      series: [
        { type: 'scatter', data: dots, symbolSize: 5, itemStyle: { color: MUTED, opacity: 0.7 } },
        { type: 'line', data: line, symbol: 'none', lineStyle: { color: ACCENT, width: 2 } },
      ],
    },
    320,
    200,
    `${name} against rank, each restart a dot, ${which === 'error' ? 'the best' : 'the mean over restarts'} a line`,
  );
}

function factorChart(kind: 'units' | 'positions' | 'stimuli', values: number[], s: TcaSweepSnapshot, k: number): Markup {
  const label = `component ${k + 1}: ${kind === 'positions' ? middleName(s) : kind} factor`;
  const grid = { left: 34, right: 6, top: 6, bottom: 16 };
  const xAxis = { type: kind === 'units' ? 'category' : 'value', ...axis, axisLabel: { ...axis.axisLabel, interval: 'auto' }, min: kind === 'units' ? undefined : 0, max: kind === 'units' ? undefined : Math.max(0, values.length - 1) };
  const yAxis = { type: 'value', ...axis, scale: true, axisLabel: { ...axis.axisLabel, formatter: (v: number) => num(v, 2) } };
  const series =
    kind === 'units'
      ? [{ type: 'bar', data: values, itemStyle: { color: ACCENT }, barCategoryGap: '10%' }]
      : kind === 'positions'
        ? [{ type: 'line', data: values.map((v, i) => [i, v]), symbol: 'none', lineStyle: { color: ACCENT, width: 1.5 } }]
        : [{ type: 'scatter', symbolSize: 2, data: everyKth(values.length).map((i) => ({ value: [i, values[i]!], itemStyle: { color: s.labels[i] === null || s.labels[i] === undefined ? MUTED : LABEL_COLOURS[s.labels[i]! % LABEL_COLOURS.length] } })) }];
  return svgChart({ grid, xAxis: kind === 'units' ? { ...xAxis, data: values.map((_, i) => String(i)) } : xAxis, yAxis, series }, 230, 90, label);
}

export function tcaSection(s: TcaSweepSnapshot): Markup {
  const chosen = s.ranks.find((r) => r.rank === s.rank);
  const legend = s.labelNames
    ? html`<p class="small">Stimulus colours: ${s.labelNames.slice(0, LABEL_COLOURS.length).map((n, i) => html`<svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${LABEL_COLOURS[i]!}" /></svg> ${n} `)}</p>`
    : '';
  return html`
    <p>A CP decomposition (${s.params.nonneg ? 'non-negative, HALS as tensortools’ ncp_hals' : 'alternating least squares, as tensortools’ cp_als'}) of the
      ${int(s.shape.dim)} units × ${int(s.shape.positions)} ${middleName(s)}${s.middle?.names ? ` (${s.middle.names.join(', ')}, in that order)` : ''} × ${int(s.shape.stimuli)} stimuli tensor; ranks ${s.ranks.map((r) => r.rank).join(', ')},
      ${int(s.params.restarts)} random restarts each (at most ${int(s.params.maxIter)} sweeps, seed ${int(s.params.seed)}). Williams et al. (Neuron 2018) choose the
      rank where the error stops falling and restarts still agree.</p>
    ${harvestTable(s.harvest)}
    <div class="thumbs">${diagnostic(s, 'error')}${diagnostic(s, 'similarity')}</div>
    <table>
      <tr><th class="n">rank</th><th class="n">best error</th><th class="n">mean similarity to best</th><th>every restart’s error</th></tr>
      ${s.ranks.map((r) => html`<tr><td class="n">${int(r.rank)}</td><td class="n">${num(r.bestError, 4)}</td><td class="n">${num(r.meanSimilarity)}</td><td>${r.errors.map((e) => num(e, 4)).join(', ')}</td></tr>`)}
    </table>
    <h3>The ${int(s.rank)} components at rank ${int(s.rank)}${chosen ? ` (error ${num(chosen.bestError, 4)})` : ''}</h3>
    <p class="small muted">Each row one component, largest weight first: unit factor (bars), ${middleName(s) === 'checkpoints' ? 'checkpoint' : 'position'} factor (line), stimulus factor (dots, coloured by label${s.shape.stimuli > MAX_DOTS ? `; every ${Math.ceil(s.shape.stimuli / MAX_DOTS)}th stimulus drawn` : ''}).</p>
    ${legend}
    <table>
      <tr><th class="n">#</th><th class="n">weight</th><th>units</th><th>${middleName(s)}</th><th>stimuli</th></tr>
      ${s.components.map((c, k) => html`<tr><td class="n">${k + 1}</td><td class="n">${num(c.weight)}</td><td>${factorChart('units', c.units, s, k)}</td><td>${factorChart('positions', c.positions, s, k)}</td><td>${factorChart('stimuli', c.stimuli, s, k)}</td></tr>`)}
    </table>`;
}
