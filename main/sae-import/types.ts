// What the import-sae job is given (#18 item 4): the checks ran before the job was recorded, so the job only copies
// and folds. The file's size and modification time are kept so a resumed import refuses a file that changed.
import type { TensorEntry } from '../io/safetensors-stream';

export interface SaeImportJobParams {
  basisId: number;
  file: string;
  fileBytes: number;
  mtimeMs: number;
  dataStart: number;
  /** The SAE's tensors in the file, in SAELens' order, with the rows per stored block of each matrix. */
  tensors: { name: string; entry: TensorEntry; blockRows: number }[];
  /** Which biases take b_dec·W_enc (apply_b_dec_to_input = false): none, b_enc (standard, TopK, JumpReLU) or Gated's two. */
  fold: 'none' | 'b_enc' | 'gated';
  /** Standard and TopK SAEs are stored with Cajal's input scale, 1 for an import. */
  normScale: boolean;
}

export interface SaeImportJobResult {
  basisId: number;
  bytes: number;
}
