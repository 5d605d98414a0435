// Catalogue rows the store returns that no engine room owns: an opened model, a stimulus set.
// The API contract re-exports them (main/api/schemas/models.ts, stimuli.ts), so the store never imports the API.
import type { TensorInfo } from '../onnx/types';
import type { StimulusSpecInput } from '../stimuli/request';

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

export interface StimulusSetInfo {
  id: number;
  name: string;
  kind: 'mnist' | 'folder' | 'noise' | 'text'; // room: text (#13)
  count: number;
  itemShape: number[];
  labelNames: string[] | null;
  spec: StimulusSpecInput;
  createdAt: string;
}
