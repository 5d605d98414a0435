// Intervened runs on the cut graph: the tapped prefix gives the layer's values (and the clean outputs), the edit graph
// applies every lesion set to every stimulus in one onnxruntime run, and the cut suffix runs on the edited values.
import type * as ort from 'onnxruntime-node';
import { cutModelWithProbe } from '../onnx/cut';
import { modelInputSpecs } from '../onnx/inputs';
import { serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/proto';
import { createSession, runFloat32, type Float32Feed } from '../onnx/session';
import { tapModel } from '../onnx/tap';
import { buildEditGraph, EDIT_INPUTS, EDIT_OUTPUT } from './edit-graph';
import { fuseEditWithSuffix } from './fused';
import { LesionInputError, unitCount, type EditParams, type Intervention, type LayerInfo } from './types';

export interface Values {
  data: Float32Array;
  dims: number[];
}
export type Outputs = Record<string, Values>;

function rowsOf(v: Values): number {
  return v.dims[0] ?? 1;
}

function sliceRows(v: Values, start: number, end: number): Values {
  const per = v.data.length / rowsOf(v);
  return { data: v.data.subarray(start * per, end * per), dims: [end - start, ...v.dims.slice(1)] };
}

function concatRows(parts: Values[]): Values {
  const total = parts.reduce((s, p) => s + p.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { data, dims: [parts.reduce((s, p) => s + rowsOf(p), 0), ...parts[0]!.dims.slice(1)] };
}

/** Runs a session over the rows of `feeds`, one row at a time when its batch is fixed at 1, and stacks the outputs. */
async function runRows(session: ort.InferenceSession, feeds: Record<string, Values>, oneAtATime: boolean, fetches?: string[]): Promise<Outputs> {
  const first = Object.values(feeds)[0]!;
  const n = rowsOf(first);
  const chunks: Outputs[] = [];
  const step = oneAtATime ? 1 : n;
  for (let start = 0; start < n; start += step) {
    const part: Record<string, Float32Feed> = {};
    for (const [name, v] of Object.entries(feeds)) part[name] = sliceRows(v, start, Math.min(n, start + step));
    chunks.push(await runFloat32(session, part, fetches));
  }
  const out: Outputs = {};
  for (const name of Object.keys(chunks[0]!)) out[name] = concatRows(chunks.map((c) => c[name]!));
  return out;
}

export interface LesionSetResult {
  intervention: Record<string, unknown>;
  outputs: Outputs;
}

export class LesionRunner {
  private editSessions = new Map<string, ort.InferenceSession>();

  private constructor(
    readonly tensor: string,
    readonly outputNames: string[],
    private readonly prefix: ort.InferenceSession,
    private readonly prefixFixedBatch: boolean,
    private readonly suffix: ort.InferenceSession,
    /** Whether the cut suffix takes one stimulus per run (a batch fixed at 1 in the file). */
    readonly suffixFixedBatch: boolean,
    private readonly cut: ModelProto,
  ) {}

  /** Cuts `model` at `tensor`; refuses graph inputs, initializers and unknown tensors with one sentence. */
  static async open(model: ModelProto, tensor: string, options: { label?: string } = {}): Promise<LesionRunner> {
    const cut = await cutModelWithProbe(model, tensor, { label: options.label });
    const cutSpecs = modelInputSpecs(cut);
    if (cutSpecs.length !== 1) {
      throw new LesionInputError('lesions.side-inputs', `Below tensor "${tensor}" the model still reads ${cutSpecs.length - 1} other input(s), which lesioning does not support; choose a later tensor.`);
    }
    const tapped = tapModel(model, [tensor], { label: options.label });
    const outputNames = (model.graph?.output ?? []).map((o) => o.name ?? '');
    const prefix = await createSession(serializeModel(tapped), { label: options.label });
    const suffix = await createSession(serializeModel(cut), { label: options.label });
    const fixed = (specs: ReturnType<typeof modelInputSpecs>) => specs.some((s) => s.fixedBatch === 1);
    return new LesionRunner(tensor, outputNames, prefix, fixed(modelInputSpecs(model)), suffix, fixed(cutSpecs), cut);
  }

  /** One run of the tapped model: the layer's values and the clean outputs for the stimuli. */
  async layerValues(feeds: Record<string, Values>): Promise<{ values: Values; clean: Outputs }> {
    const out = await runRows(this.prefix, feeds, this.prefixFixedBatch);
    const values = out[this.tensor]!;
    const clean: Outputs = {};
    for (const name of this.outputNames) clean[name] = out[name]!;
    return { values, clean };
  }

  /** The suffix on unedited values: should equal the clean outputs (the identity check). */
  async runSuffix(values: Values): Promise<Outputs> {
    return runRows(this.suffix, { [this.tensor]: values }, this.suffixFixedBatch, this.outputNames);
  }

  private fusedSessions = new Map<string, ort.InferenceSession | null>();

  /**
   * The edit and the suffix as one session (fused.ts), checked once against the two-stage path on two stimuli under
   * two identity sets; null (the two-stage path) where it cannot be built or does not agree.
   */
  private async fusedSession(values: Values, withProjector: boolean): Promise<ort.InferenceSession | null> {
    const unitShape = values.dims.slice(1);
    const key = `${unitShape.join('x')}:${withProjector}`;
    if (this.fusedSessions.has(key)) return this.fusedSessions.get(key)!;
    let session: ort.InferenceSession | null = null;
    try {
      const model = fuseEditWithSuffix(this.cut, this.tensor, unitShape, withProjector, this.suffixFixedBatch);
      if (model) {
        session = await createSession(serializeModel(model), { label: 'the lesion graph' });
        const n = Math.min(2, rowsOf(values));
        const probe = sliceRows(values, 0, n);
        const size = probe.data.length / n;
        const c = unitCount({ unitShape });
        const feeds: Record<string, Float32Feed> = {
          [EDIT_INPUTS.x]: { data: probe.data, dims: [1, n, ...unitShape] },
          [EDIT_INPUTS.keep]: { data: new Float32Array(2 * size).fill(1), dims: [2, 1, ...unitShape] },
          [EDIT_INPUTS.add]: { data: new Float32Array(2 * size), dims: [2, 1, ...unitShape] },
        };
        if (withProjector) {
          const eye = new Float32Array(2 * c * c);
          for (let s = 0; s < 2; s++) for (let k = 0; k < c; k++) eye[s * c * c + k * c + k] = 1;
          feeds[EDIT_INPUTS.projector] = { data: eye, dims: [2, ...new Array<number>(unitShape.length - 1).fill(1), c, c] };
        }
        const got = await runFloat32(session, feeds, this.outputNames);
        const want = await this.runSuffix(probe);
        for (const name of this.outputNames) {
          const g = got[name]!.data;
          const w = want[name]!.data;
          if (g.length !== 2 * w.length) throw new Error('fused rows differ');
          for (let i = 0; i < g.length; i++) {
            const ref = w[i % w.length]!;
            if (!(Math.abs(g[i]! - ref) <= 1e-4 * (1 + Math.abs(ref)))) throw new Error('fused values differ');
          }
        }
      }
    } catch (err) {
      if (process.env.CAJAL_DEBUG_FUSED) console.error(err);
      // Not every suffix survives the rewrite (a batch-1 constant elsewhere); the two-stage path is always right.
      session = null;
    }
    this.fusedSessions.set(key, session);
    return session;
  }

  private async editSession(rank: number, withProjector: boolean): Promise<ort.InferenceSession> {
    const key = `${rank}:${withProjector}`;
    let s = this.editSessions.get(key);
    if (!s) {
      s = await createSession(buildEditGraph(rank, withProjector), { label: 'the lesion edit graph' });
      this.editSessions.set(key, s);
    }
    return s;
  }

  /** Edits the values under every intervention at once (one edit run) and runs the suffix on all S × N rows. */
  async evaluateLesionSets(values: Values, interventions: readonly Intervention[]): Promise<LesionSetResult[]> {
    if (interventions.length === 0) return [];
    const n = rowsOf(values);
    const unitShape = values.dims.slice(1);
    const layer: LayerInfo = { unitShape };
    const size = unitShape.reduce((a, b) => a * b, 1);
    const c = unitCount(layer);
    const params: EditParams[] = [];
    for (const i of interventions) params.push(await i.params(layer, values));
    const withProjector = params.some((p) => p.projector);
    // One additive term per set, unless some set has a term per stimulus: then every set's is spread over N rows.
    const perStimulus = params.some((p) => p.add.length !== size);
    const addRows = perStimulus ? n : 1;
    const s = params.length;
    const keep = new Float32Array(s * size);
    const add = new Float32Array(s * size * addRows);
    params.forEach((p, i) => {
      keep.set(p.keep, i * size);
      if (p.add.length === size * addRows) add.set(p.add, i * size * addRows);
      else if (p.add.length === size) for (let r = 0; r < addRows; r++) add.set(p.add, (i * addRows + r) * size);
      else throw new LesionInputError('lesions.add-size', `An intervention gave ${p.add.length} values for ${n} stimuli of ${size}.`);
    });
    const feeds: Record<string, Float32Feed> = {
      [EDIT_INPUTS.x]: { data: values.data, dims: [1, n, ...unitShape] },
      [EDIT_INPUTS.keep]: { data: keep, dims: [s, 1, ...unitShape] },
      [EDIT_INPUTS.add]: { data: add, dims: [s, addRows, ...unitShape] },
    };
    if (withProjector) {
      const projector = new Float32Array(s * c * c);
      params.forEach((p, i) => {
        if (p.projector) projector.set(p.projector, i * c * c);
        else for (let k = 0; k < c; k++) projector[i * c * c + k * c + k] = 1;
      });
      feeds[EDIT_INPUTS.projector] = { data: projector, dims: [s, ...new Array<number>(unitShape.length - 1).fill(1), c, c] };
    }
    let all: Outputs;
    const fused = await this.fusedSession(values, withProjector);
    if (fused) all = await runFloat32(fused, feeds, this.outputNames);
    else {
      const edit = await this.editSession(unitShape.length, withProjector);
      const edited = (await runFloat32(edit, feeds, [EDIT_OUTPUT]))[EDIT_OUTPUT]!;
      all = await this.runSuffix({ data: edited.data, dims: [s * n, ...unitShape] });
    }
    return interventions.map((intervention, i) => {
      const outputs: Outputs = {};
      for (const [name, v] of Object.entries(all)) outputs[name] = sliceRows(v, i * n, (i + 1) * n);
      return { intervention: intervention.describe(), outputs };
    });
  }

  /**
   * The same, in groups of sets small enough that a group's S × N edited rows stay under `maxBytes` (the suffix's
   * own activations grow with them), so a sweep or an MSA over hundreds of sets runs in bounded memory.
   */
  async evaluateInGroups(values: Values, interventions: readonly Intervention[], maxBytes = 256 * 2 ** 20): Promise<LesionSetResult[]> {
    const perSet = values.data.length * 4;
    const group = Math.max(1, Math.floor(maxBytes / Math.max(1, perSet)));
    const out: LesionSetResult[] = [];
    for (let i = 0; i < interventions.length; i += group) out.push(...(await this.evaluateLesionSets(values, interventions.slice(i, i + group))));
    return out;
  }
}
