// Tables as Parquet through hyparquet-writer: pure JavaScript (no native build, so it ships in Electron and the CLI
// alike), MIT, maintained by the hyparquet project, and it writes typed columns with nulls — all a table needs.
// Columns keep their types: INT32 ids, DOUBLE numbers (null where missing), UTF-8 strings.
import type { Table } from './types';

export async function writeParquet(path: string, t: Table): Promise<void> {
  // hyparquet-writer is an ES module; loaded when a Parquet file is asked for.
  const { parquetWriteFile } = await import('hyparquet-writer');
  const columnData = t.columns.map((c, j) => {
    const data = t.rows.map((r) => {
      const v = r[j] ?? null;
      if (v === null) return null;
      if (c.type === 'string') return String(v);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    });
    return { name: c.name, data, type: c.type === 'int' ? ('INT32' as const) : c.type === 'float' ? ('DOUBLE' as const) : ('STRING' as const), nullable: true };
  });
  parquetWriteFile({ filename: path, columnData });
}
