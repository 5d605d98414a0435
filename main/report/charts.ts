// Charts for reports: ECharts rendered on the server to SVG strings (no DOM, no canvas), made static — the hover
// stylesheet ECharts adds is dropped and style="" attributes become SVG presentation attributes, so the report needs
// no inline style but its one stylesheet (see style.ts) — and inlined into the HTML.
import * as echarts from 'echarts/core';
import { BarChart, BoxplotChart, CustomChart, HeatmapChart } from 'echarts/charts';
import { GridComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { Comparison, ComparisonBasis, MetricName } from '../analyses/types';
import { std } from '../analyses/stats';
import { escapeHtml, trusted, type Markup } from './html';
import { num } from './format';
import { basesInMethodOrder, quantileSorted, shortName } from './order';

echarts.use([BarChart, BoxplotChart, CustomChart, HeatmapChart, GridComponent, VisualMapComponent, SVGRenderer]);

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif';
const INK = '#1d232b';
const MUTED = '#5d6875';
const LINE = '#d8dce2';
const ACCENT = '#2a6fb8';

const axisStyle = {
  axisLine: { lineStyle: { color: LINE } },
  axisTick: { lineStyle: { color: LINE } },
  axisLabel: { color: MUTED, fontSize: 10, fontFamily: FONT },
  splitLine: { lineStyle: { color: '#eceef1' } },
  nameTextStyle: { color: MUTED, fontSize: 10, fontFamily: FONT },
};

/** ECharts' SVG string made static and self-contained (see the header). */
export function staticSvg(svg: string, label: string): string {
  return svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_m, css: string) =>
      css
        .split(';')
        .map((decl) => /^\s*([a-z-]+)\s*:\s*(.+?)\s*$/.exec(decl))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ` ${m[1]}="${m[2]}"`)
        .join(''),
    )
    .replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(label)}" `);
}

/** Render one option to static SVG markup of the given size. */
export function svgChart(option: echarts.EChartsCoreOption, width: number, height: number, label: string): Markup {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT, color: INK, fontSize: 11 }, ...option });
    return trusted(staticSvg(chart.renderToSVGString(), label));
  } finally {
    chart.dispose();
  }
}

/** Values summarised for one basis: Tukey box, a kernel density outline (violin), median and its interval. */
interface BasisShape {
  box: [number, number, number, number, number] | null;
  violin: { ys: number[]; widths: number[] } | null;
  median: number;
  ci: [number, number];
}

// The density is evaluated at VIOLIN_POINTS heights from the smallest to the largest value (no tails beyond the data),
// with a Gaussian kernel of Silverman's bandwidth, from at most KDE_SAMPLE evenly spaced order statistics.
const VIOLIN_POINTS = 40;
const KDE_SAMPLE = 4000;

export function violin(sorted: number[]): { ys: number[]; widths: number[] } | null {
  const n = sorted.length;
  if (n < 2 || sorted[n - 1]! === sorted[0]!) return null;
  const lo = sorted[0]!;
  const hi = sorted[n - 1]!;
  const stride = Math.max(1, Math.ceil(n / KDE_SAMPLE));
  const sample = sorted.filter((_, i) => i % stride === 0);
  const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
  const sd = std(sorted);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  const h = spread > 0 ? 0.9 * spread * n ** -0.2 : (hi - lo) / 20;
  const ys = Array.from({ length: VIOLIN_POINTS }, (_, k) => lo + ((hi - lo) * k) / (VIOLIN_POINTS - 1));
  const dens = ys.map((y) => sample.reduce((s, v) => s + Math.exp(-0.5 * ((y - v) / h) ** 2), 0));
  const peak = Math.max(...dens);
  return { ys, widths: dens.map((d) => (peak > 0 ? d / peak : 0)) };
}

function shapeOf(b: ComparisonBasis, metric: MetricName): BasisShape | null {
  const m = b.metrics[metric];
  if (!m) return null;
  const sorted = m.values.filter(Number.isFinite).sort((a, z) => a - z);
  if (!sorted.length) return null;
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const lo = sorted.find((v) => v >= q1 - 1.5 * iqr) ?? sorted[0]!;
  const hi = [...sorted].reverse().find((v) => v <= q3 + 1.5 * iqr) ?? sorted[sorted.length - 1]!;
  return { box: [lo, q1, quantileSorted(sorted, 0.5), q3, hi], violin: violin(sorted), median: m.median, ci: m.ci95 };
}

interface RenderApi {
  value(i: number): number;
  coord(p: number[]): number[];
}

/** One metric across the bases: violin (density), Tukey box, and the median with its bootstrap 95 % interval. */
export function metricChart(c: Comparison, metric: MetricName, title: string): Markup {
  const bases = basesInMethodOrder(c.bases);
  const shapes = bases.map((b) => shapeOf(b, metric));
  const n = bases.length;
  return svgChart(
    {
      grid: { left: 56, right: 14, top: 14, bottom: n > 6 ? 54 : 36 },
      xAxis: [
        { type: 'category', data: bases.map((b) => shortName(b, c.bases)), ...axisStyle, axisLabel: { ...axisStyle.axisLabel, interval: 0, rotate: n > 6 ? 25 : 0 } },
        { type: 'value', min: -0.5, max: n - 0.5, show: false },
      ],
      yAxis: { type: 'value', scale: true, ...axisStyle, axisLine: { show: true, onZero: false, lineStyle: { color: LINE } } },
      series: [
        {
          type: 'custom',
          xAxisIndex: 1,
          data: shapes.map((_, slot) => [slot]),
          renderItem: (params: { dataIndex: number }, api: RenderApi) => {
            const v = shapes[params.dataIndex]?.violin;
            if (!v) return { type: 'group', children: [] };
            const x = api.value(0);
            const right = v.ys.map((y, k) => api.coord([x + 0.4 * v.widths[k]!, y]));
            const left = v.ys.map((y, k) => api.coord([x - 0.4 * v.widths[k]!, y])).reverse();
            return { type: 'polygon', shape: { points: [...right, ...left] }, style: { fill: '#dbe7f4', stroke: '#8fb3da', lineWidth: 1 } };
          },
          z: 1,
        },
        {
          type: 'boxplot',
          xAxisIndex: 0,
          boxWidth: [6, 18],
          itemStyle: { color: '#ffffff', borderColor: ACCENT, borderWidth: 1.2 },
          data: shapes.map((s) => s?.box ?? [NaN, NaN, NaN, NaN, NaN]),
          z: 2,
        },
        {
          type: 'custom',
          xAxisIndex: 1,
          data: shapes.map((s, slot) => [slot, s?.median ?? NaN, s?.ci[0] ?? NaN, s?.ci[1] ?? NaN]),
          renderItem: (_params: unknown, api: RenderApi) => {
            const x = api.value(0) + 0.3;
            const [med, lo, hi] = [api.value(1), api.value(2), api.value(3)];
            if (!Number.isFinite(med)) return { type: 'group', children: [] };
            const style = { stroke: INK, lineWidth: 1.5 };
            const children: object[] = [];
            if (Number.isFinite(lo) && Number.isFinite(hi)) {
              const a = api.coord([x, lo]);
              const b = api.coord([x, hi]);
              children.push(
                { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
                { type: 'line', shape: { x1: a[0]! - 4, y1: a[1], x2: a[0]! + 4, y2: a[1] }, style },
                { type: 'line', shape: { x1: b[0]! - 4, y1: b[1], x2: b[0]! + 4, y2: b[1] }, style },
              );
            }
            const p = api.coord([x, med]);
            children.push({ type: 'circle', shape: { cx: p[0], cy: p[1], r: 3 }, style: { fill: INK } });
            return { type: 'group', children };
          },
          z: 3,
        },
      ],
    },
    540,
    260,
    `${title}: distribution per basis, median and bootstrap 95 % interval`,
  );
}

/** The match matrix as a heatmap: rows and columns in method order, values printed in the cells. */
export function matchMatrixChart(c: Comparison): Markup {
  const order = basesInMethodOrder(c.bases).map((b) => c.bases.indexOf(b));
  const names = order.map((i) => shortName(c.bases[i]!, c.bases));
  const n = order.length;
  const data: [number, number, number][] = [];
  order.forEach((bi, r) =>
    order.forEach((bj, col) => {
      const v = c.matchMatrix[bi]?.[bj];
      if (v !== undefined && Number.isFinite(v)) data.push([col, n - 1 - r, v]);
    }),
  );
  const size = Math.max(260, 90 + 44 * n);
  return svgChart(
    {
      grid: { left: 90, right: 70, top: 10, bottom: 70 },
      xAxis: { type: 'category', data: names, name: 'matched in', nameLocation: 'middle', nameGap: 54, ...axisStyle, axisLabel: { ...axisStyle.axisLabel, interval: 0, rotate: 30 } },
      yAxis: { type: 'category', data: [...names].reverse(), ...axisStyle, axisLabel: { ...axisStyle.axisLabel, interval: 0 } },
      visualMap: {
        min: 0,
        max: 1,
        calculable: false,
        orient: 'vertical',
        right: 6,
        top: 'middle',
        itemHeight: 140,
        itemWidth: 10,
        precision: 1,
        textStyle: { color: MUTED, fontSize: 10, fontFamily: FONT },
        inRange: { color: ['#f6f7f9', '#c6dbef', '#2a6fb8', '#0b2a50'] },
      },
      series: [
        {
          type: 'heatmap',
          data,
          label: { show: n <= 12, fontSize: 9, fontFamily: FONT, formatter: (p: { data: [number, number, number] }) => p.data[2].toFixed(2) },
          itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
        },
      ],
    },
    size + 60,
    size,
    'Match matrix: mean over the directions of the row basis of the largest |cosine| with a direction of the column basis',
  );
}

/** A small activation histogram of one feature (counts per bin; x labelled at both ends). */
export function histogramChart(edges: number[], counts: number[], label: string): Markup {
  const centres = counts.map((_, i) => num((edges[i]! + edges[i + 1]!) / 2));
  return svgChart(
    {
      grid: { left: 6, right: 6, top: 6, bottom: 18 },
      xAxis: { type: 'category', data: centres, ...axisStyle, axisTick: { show: false }, axisLabel: { ...axisStyle.axisLabel, interval: (i: number) => i === 0 || i === counts.length - 1 } },
      yAxis: { type: 'value', show: false },
      series: [{ type: 'bar', data: counts, barCategoryGap: '8%', itemStyle: { color: ACCENT } }],
    },
    260,
    80,
    label,
  );
}
