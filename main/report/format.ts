// How numbers are printed in a report: three significant digits, scientific notation for very large or small values,
// a true minus sign, and "—" where there is no value. Tests format the Comparison's numbers with these same functions.

export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e5 || a < 1e-3 ? x.toExponential(Math.max(0, digits - 1)) : String(Number(x.toPrecision(digits)));
  return s.replace('-', '−');
}

export function int(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US');
}

/** A two-sided p-value: four decimals, or two significant digits below 10⁻⁴. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return p < 1e-4 ? p.toExponential(1).replace('-', '−') : p.toFixed(4);
}

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)} %`;
}

/** An ISO timestamp as "2025-01-31 14:05 UTC": the same for every reader, wherever the report is opened. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
