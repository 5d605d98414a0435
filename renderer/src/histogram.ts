// The one bar chart of a histogram (a unit's activations, a feature's): bins as categories labelled at their centres,
// a tooltip with the bin's edges, its rows and their share, zoom and PNG export, log or linear counts.
import type { Histogram } from '../../main/api/contract';
import type { ChartOption } from './charts';
import { fmtInt, fmtPct, fmtStep } from './format';

export interface HistogramChart {
  /** File name stem of the PNG export. */
  name: string;
  logY: boolean;
  grid: { left: number; right: number; top: number; bottom: number };
  /** Axis labels round to this many bin widths (coarser than the tooltip's precision). */
  labelBins: number;
  /** Digits of the tooltip's share (fmtPct's default when absent). */
  shareDigits?: number;
  /** Name of the count axis, if any. */
  yName?: string;
  /** A zoom slider under the axis besides wheel/drag zoom. */
  slider?: boolean;
}

export function histogramOption(h: Histogram, c: HistogramChart): ChartOption {
  const centres = h.counts.map((_, i) => (h.edges[i]! + h.edges[i + 1]!) / 2);
  const step = h.edges.length > 1 ? (h.edges[h.edges.length - 1]! - h.edges[0]!) / (h.edges.length - 1) : 0;
  const named = c.yName ? { name: c.yName } : {};
  return {
    animation: false,
    grid: c.grid,
    toolbox: {
      right: 6,
      top: 0,
      itemSize: 12,
      feature: {
        dataZoom: { yAxisIndex: 'none', title: { zoom: 'Zoom', back: 'Undo zoom' } },
        restore: { title: 'Reset' },
        saveAsImage: { title: 'Save as PNG', name: c.name, pixelRatio: 2 },
      },
    },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const p = (Array.isArray(params) ? params[0] : params) as { dataIndex: number } | undefined;
        if (!p) return '';
        const i = p.dataIndex;
        const n = h.counts[i]!;
        const share = h.rows ? n / h.rows : 0;
        return (
          `<div class="ct-title">[${fmtStep(h.edges[i]!, step)}, ${fmtStep(h.edges[i + 1]!, step)})</div>` +
          `<div class="ct-row"><span>rows</span><span class="ct-v">${fmtInt(n)}</span></div>` +
          `<div class="ct-row"><span>share</span><span class="ct-v">${c.shareDigits === undefined ? fmtPct(share) : fmtPct(share, c.shareDigits)}</span></div>`
        );
      },
    },
    xAxis: {
      type: 'category',
      name: 'activation',
      nameLocation: 'middle',
      nameGap: 22,
      data: centres.map((x) => fmtStep(x, step * c.labelBins)),
      axisTick: { alignWithLabel: true },
    },
    yAxis: c.logY ? { type: 'log', min: 1, logBase: 10, ...named } : { type: 'value', minInterval: 1, ...named },
    dataZoom: c.slider ? [{ type: 'inside', xAxisIndex: 0 }, { type: 'slider', xAxisIndex: 0, height: 12, bottom: 4 }] : [{ type: 'inside', xAxisIndex: 0 }],
    series: [{ type: 'bar', name: 'rows', barCategoryGap: '4%', data: c.logY ? h.counts.map((n) => (n > 0 ? n : null)) : h.counts }],
  };
}
