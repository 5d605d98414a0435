// Numeric CSV rows (a header line of names is skipped), the plain format recordings are often exported in.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors';

export function readCsvRows(path: string): number[][] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows: number[][] = [];
  lines.forEach((line, i) => {
    const cells = line.split(',').map((s) => s.trim());
    const values = cells.map((c) => (/^nan$/i.test(c) ? Number.NaN : c === '' ? Number.NaN : Number(c)));
    if (cells.some((c, k) => Number.isNaN(values[k]) && !/^nan$/i.test(c))) {
      if (i === 0) return; // a header
      throw new UserError('recording.csv', `${basename(path)} line ${i + 1} is not a row of numbers: ${line.slice(0, 60)}.`);
    }
    rows.push(values);
  });
  return rows;
}
