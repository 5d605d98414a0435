// API of the models room: ONNX models opened into the project and the tensors they expose.
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { id, nonEmpty } from './common';
import type { Recipe } from './stimuli';
import type { TensorInfo } from '../../onnx/types';
import type { SubgraphTensor } from '../../onnx/subgraphs'; // room: i8
import type { ModelSummary } from '../../store/types';

// Shapes the engine defines in its own rooms and the API returns as they are.
export { dim, tensorInfoSchema } from '../../onnx/types';
export type { TensorInfo } from '../../onnx/types';
export type { ModelSummary } from '../../store/types';

export interface ModelDetail extends ModelSummary {
  tensors: TensorInfo[];
  /** A preprocessing recipe guessed from the first input's shape; the user may edit it. */
  suggestedRecipe: Recipe | null;
  /** room: i8 — tensors inside If/Loop/Scan subgraphs with their path; one in an If branch that runs can be harvested. */
  subgraphTensors?: SubgraphTensor[];
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
