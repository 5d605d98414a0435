// room: export — API methods for exports (matrices as .npy, tables as CSV/Parquet) and a report's PDF.
import { z } from 'zod';
import { EXPORT_FORMATS, EXPORT_WHATS, type ExportResult } from '../../export/types';

const id = z.number().int().positive();
const path = z.string().trim().min(1);

export const exportMethods = {
  'export.write': z
    .object({
      what: z.enum(EXPORT_WHATS),
      format: z.enum(EXPORT_FORMATS),
      harvestId: id.optional(),
      basisId: id.optional(),
      out: path,
      /** A comparison's bootstrap resamples and seed (as compare.run takes them). */
      bootstrap: z.number().int().min(100).max(20000).optional(),
      seed: z.number().int().min(0).optional(),
    })
    .strict(),
  /** Renders report `id` and prints it to PDF at `out` (Electron's printToPDF in the app, Chromium elsewhere). */
  'reports.pdf': z.object({ id, out: path, chromium: path.optional() }).strict(),
} as const;

export interface ExportResults {
  'export.write': ExportResult;
  'reports.pdf': { path: string; pages: number; bytes: number; printer: 'electron' | 'chromium' };
}
