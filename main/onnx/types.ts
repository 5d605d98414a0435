// A tensor of a model as inspection reports it (name, producer, dtype, shape and where the shape came from).
// The API contract re-exports them (main/api/schemas/models.ts), so the engine below it never imports the API.
import { z } from 'zod';

export const dim = z.union([z.number().int(), z.string()]);

export const tensorInfoSchema = z.object({
  name: z.string(),
  op: z.string(),
  producer: z.string().nullable(),
  dtype: z.string().nullable(),
  shape: z.array(dim).nullable(),
  role: z.enum(['input', 'output', 'intermediate']),
  /** 'probed': measured by running the model once on a dummy input, because the file does not declare it. */
  shapeSource: z.enum(['declared', 'probed', 'unknown']),
});
export type TensorInfo = z.infer<typeof tensorInfoSchema>;
