// What is inside a model: its inputs, outputs and every intermediate tensor with dtype and shape.
// Shapes come from the model's own declarations; the rest from one run on zeros (the "probe").
import { dtypeOf, float32ToOrtTensor, type DType } from './dtypes';
import { declaredValueInfo, initializerNames, producers, runtimeInputs } from './graph';
import { concreteInputDims, modelInputSpecs, type InputSpec } from './inputs';
import { parseModel, serializeModel } from './model';
import { toNumber, valueInfoElemType, valueInfoShape, type ModelProto, type ValueInfoProto } from './proto';
import { probeFailureSentence } from './probe-error';
import { subgraphTensors, type SubgraphTensor } from './subgraphs';
import { createSession } from './session';
import { tapModel } from './tap';

export type TensorRole = 'input' | 'output' | 'intermediate';

export interface TensorInfo {
  name: string;
  /** Producer's op_type, or 'Input' for a graph input. */
  op: string;
  /** Producer node's name; null for graph inputs and unnamed nodes. */
  producer: string | null;
  dtype: DType | null;
  shape: (number | string)[] | null;
  role: TensorRole;
  /** 'probed' shapes are concrete for the probe's input dims (see ModelInspection.probe). */
  shapeSource: 'declared' | 'probed' | 'unknown';
}

export interface ModelInspection {
  irVersion: number;
  /** Version of the default (ai.onnx) domain. */
  opset: number;
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodeCount: number;
  /** Sum of initializer element counts. */
  parameterCount: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  intermediates: TensorInfo[];
  inputSpecs: InputSpec[];
  /** room: i8 — tensors inside If/Loop/Scan subgraphs, with their path (those in an If branch that runs can be recorded). */
  subgraphTensors: SubgraphTensor[];
  probe: {
    ran: boolean;
    /** Symbolic or unknown input dims and the value (1) the probe used for them. */
    assumedDims: Record<string, number>;
    /** Why the probe could not run, when it could not. */
    error?: string;
  };
}

export interface InspectOptions {
  /** Names the model in error messages. */
  label?: string;
  /** Run the model once to find undeclared shapes (default true). */
  probe?: boolean;
  intraOpThreads?: number;
}

/** Shape from a declaration, only when every dim is known (a number or a symbol). */
function fullShape(info: ValueInfoProto | undefined): (number | string)[] | null {
  const dims = valueInfoShape(info);
  if (!dims || dims.some((d) => d === null)) return null;
  return dims as (number | string)[];
}

function declaredDType(info: ValueInfoProto | undefined): DType | null {
  const elem = valueInfoElemType(info);
  return elem === null ? null : dtypeOf(elem);
}

function opsetsOf(model: ModelProto): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) out[o.domain === 'ai.onnx' ? '' : (o.domain ?? '')] = toNumber(o.version);
  return out;
}

export async function inspectModel(source: Uint8Array | ModelProto, options: InspectOptions = {}): Promise<ModelInspection> {
  const label = options.label ?? 'the model';
  const model = source instanceof Uint8Array ? parseModel(source, label) : source;
  const graph = model.graph ?? {};
  const declared = declaredValueInfo(graph);
  const byOutput = producers(graph);
  const outputNames = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const inits = initializerNames(graph);

  const describe = (name: string, role: TensorRole): TensorInfo => {
    const node = byOutput.get(name);
    const info = declared.get(name);
    const shape = fullShape(info);
    return {
      name,
      op: role === 'input' ? 'Input' : (node?.opType ?? (inits.has(name) ? 'Initializer' : 'Input')),
      producer: role === 'input' ? null : node?.name ? node.name : null,
      dtype: declaredDType(info),
      shape,
      role,
      shapeSource: shape ? 'declared' : 'unknown',
    };
  };

  const inputs = runtimeInputs(graph).map((i) => describe(i.name ?? '', 'input'));
  const outputs = (graph.output ?? []).map((o) => describe(o.name ?? '', 'output'));
  const intermediates: TensorInfo[] = [];
  for (const node of graph.node ?? []) {
    for (const out of node.output ?? []) if (out && !outputNames.has(out)) intermediates.push(describe(out, 'intermediate'));
  }

  const inputSpecs = modelInputSpecs(model);
  const probe: ModelInspection['probe'] = { ran: false, assumedDims: {} };
  const missing = [...outputs, ...intermediates].filter((t) => t.shapeSource === 'unknown' || t.dtype === null);
  if (missing.length > 0 && options.probe !== false) {
    try {
      await probeShapes(model, inputSpecs, missing, probe.assumedDims, options, label);
      probe.ran = true;
    } catch (err) {
      probe.error = probeFailureSentence(err, probe.assumedDims); // room: i8
    }
  }

  let parameterCount = 0;
  for (const t of graph.initializer ?? []) parameterCount += (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1);

  const opsets = opsetsOf(model);
  return {
    irVersion: toNumber(model.irVersion),
    opset: opsets[''] ?? 0,
    opsets,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    graphName: graph.name ?? '',
    nodeCount: graph.node?.length ?? 0,
    parameterCount,
    inputs,
    outputs,
    intermediates,
    inputSpecs,
    subgraphTensors: subgraphTensors(graph),
    probe,
  };
}

/** One run on zeros with every undeclared tensor tapped; fills dtype and shape in place. */
async function probeShapes(
  model: ModelProto,
  specs: InputSpec[],
  missing: TensorInfo[],
  assumed: Record<string, number>,
  options: InspectOptions,
  label: string,
): Promise<void> {
  const tapped = tapModel(model, missing.map((t) => t.name), { label });
  const session = await createSession(serializeModel(tapped), { label, intraOpThreads: options.intraOpThreads });
  try {
    const feeds: Record<string, ReturnType<typeof float32ToOrtTensor>> = {};
    for (const spec of specs) {
      const { dims, assumed: guessed } = concreteInputDims(spec, 1);
      Object.assign(assumed, guessed);
      feeds[spec.name] = float32ToOrtTensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims, spec.dtype);
    }
    const results = await session.run(feeds, missing.map((t) => t.name));
    for (const t of missing) {
      const r = results[t.name];
      if (!r) continue;
      t.dtype = t.dtype ?? (r.type as DType);
      if (t.shapeSource === 'unknown') {
        t.shape = [...r.dims];
        t.shapeSource = 'probed';
      }
    }
  } finally {
    await session.release();
  }
}
