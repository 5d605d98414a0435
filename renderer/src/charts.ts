// ECharts, tree-shaken to what Cajal draws, with one theme per app theme.
import * as echarts from 'echarts/core';
import { BarChart, BoxplotChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { LabelLayout } from 'echarts/features';
// room: export — SVGRenderer: every chart also saves as SVG
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  BoxplotChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
  VisualMapComponent,
  LabelLayout,
  CanvasRenderer,
  SVGRenderer,
]);

const font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

function theme(dark: boolean): object {
  const fg = dark ? '#dce1e7' : '#1d232b';
  const muted = dark ? '#9aa5b1' : '#5d6875';
  const line = dark ? '#2c333b' : '#d8dce2';
  const split = dark ? '#242a31' : '#eceef1';
  const axis = {
    axisLine: { lineStyle: { color: line } },
    axisTick: { lineStyle: { color: line } },
    axisLabel: { color: muted, fontSize: 10 },
    splitLine: { lineStyle: { color: split } },
    nameTextStyle: { color: muted, fontSize: 10 },
  };
  return {
    color: dark
      ? ['#5b9be0', '#e39b4f', '#6cc08b', '#c97ad8', '#e0c341', '#e06c75']
      : ['#2a6fb8', '#d07a2a', '#2f8a4c', '#8e4bb0', '#b09000', '#c0392b'],
    backgroundColor: 'transparent',
    textStyle: { fontFamily: font, color: fg, fontSize: 11 },
    title: { textStyle: { color: fg, fontSize: 12, fontWeight: 600 } },
    legend: { textStyle: { color: muted, fontSize: 11 } },
    categoryAxis: axis,
    valueAxis: axis,
    logAxis: axis,
    tooltip: {
      backgroundColor: dark ? '#1b1f24' : '#ffffff',
      borderColor: dark ? '#3d4651' : '#b9c0ca',
      textStyle: { color: fg, fontSize: 11, fontFamily: font },
    },
    visualMap: { textStyle: { color: muted, fontSize: 10 } },
    toolbox: { iconStyle: { borderColor: muted }, emphasis: { iconStyle: { borderColor: dark ? '#5b9be0' : '#2a6fb8' } } },
    dataZoom: {
      borderColor: line,
      textStyle: { color: muted, fontSize: 10 },
      fillerColor: dark ? 'rgba(91,155,224,0.15)' : 'rgba(42,111,184,0.12)',
      handleStyle: { color: dark ? '#3d4651' : '#ffffff', borderColor: dark ? '#6d7884' : '#8a94a0' },
      dataBackground: { lineStyle: { color: muted }, areaStyle: { color: dark ? '#2c333b' : '#e2e6eb' } },
      selectedDataBackground: { lineStyle: { color: dark ? '#5b9be0' : '#2a6fb8' }, areaStyle: { color: dark ? '#1f3550' : '#d7e6f7' } },
    },
  };
}

echarts.registerTheme('cajal-light', theme(false));
echarts.registerTheme('cajal-dark', theme(true));

export { echarts };
export type { EChartsCoreOption as ChartOption, ECharts } from 'echarts/core';
