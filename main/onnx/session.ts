// onnxruntime sessions on the CPU, with load failures reported as one sentence.
import * as ort from 'onnxruntime-node';
import { float32ToOrtTensor, tensorToFloat32, type DType } from './dtypes';
import { ModelFormatError } from './errors';
import { applyOrtLogLevel, ortLogSeverity } from './ort-log';

export interface SessionOptions {
  /** Threads for one operator; ORT's default (all cores) when absent. */
  intraOpThreads?: number;
  /** Names the model in error messages. */
  label?: string;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** ORT prefixes its messages with status codes and sometimes the temp path; keep only the reason. */
function ortReason(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return raw
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*/g, '')
    .replace(/^Load model from .*? failed:\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, '');
}

export async function createSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    logSeverityLevel: ortLogSeverity(), // room: i8 — ORT's own log lines stay off stderr unless chosen
  };
  applyOrtLogLevel();
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (err) {
    const label = options.label ?? 'the model';
    throw new ModelFormatError('model.load-failed', `ONNX Runtime could not load ${label}: ${ortReason(err)}.`);
  }
}

export interface Float32Feed {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/**
 * Runs with float32 data per input, converted to each input's declared dtype (float16 models too), and
 * returns every fetched output as float32 with its dims.
 */
export async function runFloat32(
  session: ort.InferenceSession,
  feeds: Record<string, Float32Feed>,
  fetches?: readonly string[],
): Promise<Record<string, { data: Float32Array; dims: number[]; dtype: string }>> {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    tensors[name] = float32ToOrtTensor(feed.data, feed.dims, inputDType(session, name));
  }
  const out = fetches ? await session.run(tensors, [...fetches]) : await session.run(tensors);
  const result: Record<string, { data: Float32Array; dims: number[]; dtype: string }> = {};
  for (const [name, tensor] of Object.entries(out)) {
    result[name] = { data: tensorToFloat32(tensor), dims: [...tensor.dims], dtype: tensor.type };
  }
  return result;
}

/** The dtype ORT expects for an input, read from the session's metadata. */
export function inputDType(session: ort.InferenceSession, name: string): DType {
  const index = session.inputNames.indexOf(name);
  if (index < 0) throw new Error(`The model has no input named "${name}"; its inputs are ${session.inputNames.join(', ')}.`);
  const meta = session.inputMetadata[index];
  if (!meta || !meta.isTensor) throw new Error(`Input "${name}" is not a tensor.`);
  return meta.type as DType;
}
