// API of the models room: ONNX models opened into the project and the tensors they expose.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id, nonEmpty } from './common';
import type { Recipe } from './stimuli';

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

export interface ModelSummary {
  id: number;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  opset: number;
  nodeCount: number;
  parameterCount: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  createdAt: string;
}

export interface ModelDetail extends ModelSummary {
  tensors: TensorInfo[];
  /** A preprocessing recipe guessed from the first input's shape; the user may edit it. */
  suggestedRecipe: Recipe | null;
}

export const modelsMethods = {
  'models.open': z.object({ path: nonEmpty }).strict(),
  'models.list': z.object({}).strict(),
  'models.get': z.object({ modelId: id }).strict(),
} as const;

export interface ModelsResults {
  'models.open': ModelDetail;
  'models.list': ModelSummary[];
  'models.get': ModelDetail;
}
