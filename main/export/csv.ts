// Tables as CSV (RFC 4180): a header row, fields quoted only when they hold a comma, quote or line break, numbers
// at full precision (shortest round-trip form), empty for a missing value — what Python's csv, pandas and R read.
import { writeFileSync } from 'node:fs';
import type { Cell, Table } from './types';

function field(v: Cell): string {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableToCsv(t: Table): string {
  const lines = [t.columns.map((c) => field(c.name)).join(',')];
  for (const row of t.rows) lines.push(row.map(field).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function writeCsv(path: string, t: Table): void {
  writeFileSync(path, tableToCsv(t));
}
