// The export room's own types: what can be exported, in which formats, and a table as typed columns (so CSV and
// Parquet write the same thing, and Parquet knows each column's type).
export const EXPORT_WHATS = ['activations', 'features', 'directions', 'metrics', 'comparison', 'stats'] as const;
export type ExportWhat = (typeof EXPORT_WHATS)[number];
export const EXPORT_FORMATS = ['npy', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Matrices leave as .npy (streamed); tables as CSV or Parquet. */
export const MATRIX_WHATS: readonly ExportWhat[] = ['activations', 'features', 'directions'];

export type ColumnType = 'int' | 'float' | 'string';
export interface Column {
  name: string;
  type: ColumnType;
}
export type Cell = number | string | null;
export interface Table {
  columns: Column[];
  rows: Cell[][];
}

export interface ExportRequest {
  what: ExportWhat;
  format: ExportFormat;
  /** A harvest (activations, comparison) or a basis (features, directions, metrics, stats). */
  harvestId?: number;
  basisId?: number;
  out: string;
  /** comparison only: bootstrap resamples and seed (default 2000 and 0, as compare.run). */
  bootstrap?: number;
  seed?: number;
}

export interface ExportResult {
  path: string;
  what: ExportWhat;
  format: ExportFormat;
  /** The array's shape (npy) or [rows, columns] of the table. */
  shape: number[];
  bytes: number;
}
