// room: export — a chart saved as an image file: PNG from the live canvas (twice the screen's pixels, on the theme's
// background), SVG by drawing the same option once more with ECharts' SVG renderer (server-side mode, no DOM).
import { echarts, type ChartOption, type ECharts } from '../../charts';

export function downloadUrl(fileName: string, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function chartPng(chart: ECharts, dark: boolean): string {
  return chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: dark ? '#15191d' : '#ffffff' });
}

export function chartSvg(option: ChartOption, width: number, height: number, dark: boolean): string {
  const svg = echarts.init(null, dark ? 'cajal-dark' : 'cajal-light', { renderer: 'svg', ssr: true, width: Math.max(1, width), height: Math.max(1, height) });
  try {
    svg.setOption({ ...option, animation: false, backgroundColor: dark ? '#15191d' : '#ffffff' });
    return svg.renderToSVGString();
  } finally {
    svg.dispose();
  }
}

export function saveChart(kind: 'png' | 'svg', name: string, chart: ECharts, option: ChartOption, box: { width: number; height: number }, dark: boolean): void {
  const base = name.replace(/[^\w.-]+/g, '-') || 'chart';
  if (kind === 'png') {
    downloadUrl(`${base}.png`, chartPng(chart, dark));
    return;
  }
  const url = URL.createObjectURL(new Blob([chartSvg(option, box.width, box.height, dark)], { type: 'image/svg+xml' }));
  downloadUrl(`${base}.svg`, url);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
