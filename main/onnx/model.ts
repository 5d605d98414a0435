// Reading and writing ONNX model files, with failures reported as one sentence that names the file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ModelFormatError } from './errors';
import { onnx, type ModelProto } from './proto';

export { ModelFormatError } from './errors';

/** Printable text (UTF-8, JSON, Python, a README renamed .onnx) never starts a binary ModelProto. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, Math.min(bytes.length, 512));
  let printable = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0x80) printable++;
  }
  return printable / head.length > 0.95 && bytes[0]! >= 32;
}

/** Decodes a model, turning every way a file can fail to be one into a ModelFormatError. */
export function parseModel(bytes: Uint8Array, label: string): ModelProto {
  if (bytes.length === 0) {
    throw new ModelFormatError('model.empty', `The file ${label} is empty, so it holds no ONNX model.`);
  }
  if (looksLikeText(bytes)) {
    throw new ModelFormatError('model.text', `The file ${label} is a text file, not a binary ONNX model.`);
  }
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    // Every ONNX exporter writes ir_version (field 1, varint: byte 0x08) first, so a file that starts like a
    // model and then runs out of bytes is a cut-off model; anything else failing to decode is not a model.
    const ranOut = err instanceof RangeError || /index out of range/.test(String((err as Error).message));
    if (ranOut && bytes[0] === 0x08) {
      throw new ModelFormatError(
        'model.truncated',
        `The file ${label} is truncated (its ${bytes.length.toLocaleString('en-US')} bytes end in the middle of the model), so it cannot be loaded.`,
      );
    }
    throw new ModelFormatError('model.not-onnx', `The file ${label} is not an ONNX model (it is not valid protobuf).`);
  }
  const graph = model.graph;
  if (!graph || ((graph.node?.length ?? 0) === 0 && (graph.output?.length ?? 0) === 0)) {
    throw new ModelFormatError(
      'model.no-graph',
      `The file ${label} is readable protobuf but not an ONNX model, because it contains no graph.`,
    );
  }
  return model;
}

export function serializeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export interface ModelFile {
  bytes: Uint8Array;
  /** Hex SHA-256 of the bytes, the identity of the model across sessions. */
  sha256: string;
  model: ModelProto;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A failed read of a model file, in one sentence that names it (other errors pass through). */
function readError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ModelFormatError('model.not-found', `The model file ${path} does not exist.`);
  if (code === 'EISDIR') return new ModelFormatError('model.is-directory', `${path} is a folder, not an ONNX model file.`);
  if (code === 'EACCES' || code === 'EPERM') {
    return new ModelFormatError('model.unreadable', `The model file ${path} cannot be read because permission is denied.`);
  }
  return err;
}

export async function readModelFile(path: string): Promise<ModelFile> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw readError(path, err);
  }
  return { bytes, sha256: sha256Hex(bytes), model: parseModel(bytes, path) };
}

/** SHA-256 of a file, streamed: each chunk is hashed in its own turn of the event loop, which stays free. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (err) {
    throw readError(path, err);
  }
  return hash.digest('hex');
}
