// Number and time formatting for a dense instrument-like UI.

export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(Math.max(0, digits - 1)).replace('-', '−');
  const s = x.toPrecision(digits);
  // 1593.21 at 3 digits is "1.59e+3": show the whole number (1593) rather than every decimal of it.
  return (s.includes('e') ? String(Math.round(x)) : String(Number(s))).replace('-', '−');
}

export function fmtInt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return Math.round(x).toLocaleString('en-US');
}

/** 1234567 → "1.23 M" */
export function fmtCount(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)} G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)} k`;
  return fmtInt(x);
}

export function fmtBytes(b: number): string {
  if (b >= 1 << 30) return `${(b / (1 << 30)).toFixed(2)} GiB`;
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${b} B`;
}

export function fmtPct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)} %`;
}

export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 1) return '<1 s';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function fmtRate(rate: number | null, unit: string): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  return `${rate >= 100 ? fmtCount(Math.round(rate)) : fmtNum(rate, 3)} ${unit}`;
}

export function fmtShape(shape: (number | string)[] | null | undefined): string {
  if (!shape) return '?';
  return `[${shape.join(', ')}]`;
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Labels for evenly spaced values `step` apart: enough decimals that neighbours differ, no more. */
export function fmtStep(x: number, step: number): string {
  if (!Number.isFinite(x)) return fmtNum(x);
  const a = Math.abs(x);
  if (a >= 1e5 || (a > 0 && a < 1e-4 && Math.abs(step) < 1e-4)) return fmtNum(x, 3);
  const decimals = step > 0 ? Math.max(0, Math.min(8, 1 - Math.floor(Math.log10(step)))) : 3;
  return x.toFixed(decimals).replace('-', '−');
}
