// The perceptual similarity's network, either of two kinds:
// - 'maps': any opened image model (one image input); its ReLU (else Conv) feature maps, channel-normalised, compared
//   LPIPS-style with uniform weights (similarity.ts). Maps may be NCHW or NHWC: the layout of each is traced through
//   the graph (a Conv/pool output is NCHW by the ONNX spec, a Transpose says which way it turns), else taken to be
//   the layout of the network's input.
// - 'pair': a distance network with two image inputs (img0, img1) and one output holding one number per pair — e.g. a
//   real LPIPS network exported to ONNX, learned weights included. Similarity = −distance.
// The stimuli's display images (what the harvested model saw, 8-bit RGB) are fitted to the network's input by a
// preprocessing recipe guessed from its input shape (defaultRecipeForInput), optionally with a pixel-convention preset.
import { readFileSync } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { float32ToOrtTensor, isDType, tensorToFloat32 } from '../onnx/dtypes';
import { initializerNames, producers } from '../onnx/graph';
import { parseModel, serializeModel } from '../onnx/model';
import type { GraphProto } from '../onnx/proto';
import { createSession } from '../onnx/session';
import { tapModel } from '../onnx/tap';
import { fitImage, writeTensor } from '../stimuli/preprocess';
import { applyPreset, defaultRecipeForInput, formatDims } from '../stimuli/recipe';
import type { PreprocessRecipe, RgbImage } from '../stimuli/types';
import type { Db } from '../store/project';
import { getModel } from '../store/repo';
import { perceptualEmbedding } from './similarity';

export const PERCEPTUAL_MAX_LAYERS = 5;

export type MapLayout = 'NCHW' | 'NHWC';

export interface PerceptualPlan {
  /** 'maps': feature maps of a one-image network; 'pair': a two-image distance network (LPIPS exported to ONNX). */
  kind: 'maps' | 'pair';
  modelId: number;
  modelName: string;
  path: string;
  /** The image input (for 'pair': img0's). */
  inputName: string;
  /** Every image input in feeding order: [image] for 'maps', [img0, img1] for 'pair'. */
  inputNames: string[];
  inputDtype: string;
  fixedBatch: number | null;
  recipe: PreprocessRecipe;
  /** 'maps': the feature maps compared, and the layout of each. Empty for 'pair'. */
  layers: string[];
  layouts: MapLayout[];
  /** 'pair': the output holding one distance per pair; null for 'maps'. */
  distanceOutput: string | null;
}

// Ops that keep the layout of their (first non-constant) input.
const LAYOUT_KEEPING = new Set([
  'Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus', 'Mish',
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Abs', 'Neg', 'Erf', 'Identity', 'Dropout', 'Cast',
]);
// Ops whose 4-D output is N×C×H×W by the ONNX spec.
const NCHW_OPS = new Set(['Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'LRN', 'BatchNormalization', 'InstanceNormalization']);

/** The layout of a rank-4 tensor, traced back through layout-keeping ops; null when the graph does not say. */
export function traceLayout(graph: GraphProto, tensor: string): MapLayout | null {
  const prod = producers(graph);
  const inits = initializerNames(graph);
  let name = tensor;
  for (let guard = 0; guard < 10_000; guard++) {
    const node = prod.get(name);
    if (!node) return null;
    const op = node.opType ?? '';
    if (NCHW_OPS.has(op)) return 'NCHW';
    if (op === 'Transpose') {
      const perm = (node.attribute ?? []).find((a) => a.name === 'perm')?.ints?.map(Number) ?? [];
      if (perm.join() === '0,2,3,1') return 'NHWC';
      if (perm.join() === '0,3,1,2') return 'NCHW';
      return null;
    }
    if (!LAYOUT_KEEPING.has(op)) return null;
    const next = (node.input ?? []).find((i) => i && !inits.has(i) && prod.has(i));
    if (!next) return null;
    name = next;
  }
  return null;
}

function imageRecipe(modelName: string, input: { name: string; dtype: string | null; shape: (number | string)[] | null }): { recipe: PreprocessRecipe; dtype: string } {
  const dtype = input.dtype ?? 'float32';
  if (!['float32', 'float16', 'float64'].includes(dtype) || !isDType(dtype)) {
    throw new UserError('metrics.perceptual-input', `The perceptual network ${modelName} takes ${dtype} input \`${input.name}\`, not an image; choose a network with a float image input.`);
  }
  try {
    return { recipe: defaultRecipeForInput(input.shape ?? [], dtype, input.name), dtype };
  } catch {
    throw new UserError(
      'metrics.perceptual-input',
      `The perceptual network ${modelName} takes input \`${input.name}\` of shape ${formatDims(input.shape ?? [])}, which is not an image (N×C×H×W or N×H×W×C with 1 or 3 channels), so it cannot compare stimuli.`,
    );
  }
}

/** Everything that can be wrong with a perceptual network, found before a job starts. */
export function planPerceptual(db: Db, modelId: number, preset?: string): PerceptualPlan {
  const model = getModel(db, modelId);
  const inputs = model.inspection.inputs;
  const input = inputs[0];
  if (!input) throw new UserError('metrics.perceptual-input', `The perceptual network ${model.name} declares no input, so it cannot compare stimuli.`);
  if (inputs.length > 2) {
    throw new UserError(
      'metrics.perceptual-input',
      `The perceptual network ${model.name} takes ${inputs.length} inputs; it must take one image (its feature maps are compared) or two (img0, img1: a distance network such as LPIPS).`,
    );
  }
  const first = imageRecipe(model.name, input);
  const dtype = first.dtype;
  let recipe = first.recipe;
  if (preset) {
    try {
      recipe = applyPreset(recipe, preset);
    } catch (err) {
      throw new UserError('metrics.perceptual-preset', (err as Error).message);
    }
  }
  const b = input.shape?.[0];
  const common = { modelId, modelName: model.name, path: model.path, inputName: input.name, inputDtype: dtype, fixedBatch: typeof b === 'number' && b > 0 ? b : null, recipe };

  if (inputs.length === 2) {
    const second = inputs[1]!;
    const other = imageRecipe(model.name, second);
    if (formatDims(second.shape ?? []) !== formatDims(input.shape ?? []) || other.dtype !== dtype) {
      throw new UserError(
        'metrics.perceptual-input',
        `The perceptual network ${model.name} takes two inputs of different shapes (\`${input.name}\` ${formatDims(input.shape ?? [])}, \`${second.name}\` ${formatDims(second.shape ?? [])}); a distance network compares two images of one shape.`,
      );
    }
    const outs = model.inspection.outputs;
    if (outs.length !== 1) {
      throw new UserError('metrics.perceptual-output', `The perceptual network ${model.name} takes two images but has ${outs.length} outputs; a distance network (such as LPIPS) has one, the distance of each pair.`);
    }
    const out = outs[0]!;
    const perItem = out.shape ? out.shape.slice(1) : [];
    if (out.shape && (out.shape.length === 0 || perItem.some((d) => typeof d === 'number' && d !== 1))) {
      throw new UserError(
        'metrics.perceptual-output',
        `The perceptual network ${model.name} takes two images but its output \`${out.name}\` has shape ${formatDims(out.shape)}; a distance network gives one number per pair (N, N×1 or N×1×1×1).`,
      );
    }
    return { ...common, kind: 'pair', inputNames: [input.name, second.name], layers: [], layouts: [], distanceOutput: out.name };
  }

  const maps = model.inspection.tensors.filter((t) => t.shape && t.shape.length === 4);
  let chosen = maps.filter((t) => t.op === 'Relu' || t.op === 'Clip');
  if (chosen.length === 0) chosen = maps.filter((t) => t.op === 'Conv');
  if (chosen.length === 0) {
    throw new UserError('metrics.perceptual-layers', `The perceptual network ${model.name} has no convolutional feature maps (rank-4 ReLU or Conv outputs) to compare stimuli with.`);
  }
  // Up to five layers spread evenly from first to last, as LPIPS reads AlexNet's five ReLUs.
  const n = Math.min(PERCEPTUAL_MAX_LAYERS, chosen.length);
  const layers = [...new Set(Array.from({ length: n }, (_, i) => chosen[n === 1 ? 0 : Math.round((i * (chosen.length - 1)) / (n - 1))]!.name))];
  const graph = parseModel(readFileSync(model.path), model.path).graph!;
  const layouts = layers.map((l) => traceLayout(graph, l) ?? recipe.layout);
  return { ...common, kind: 'maps', inputNames: [input.name], layers, layouts, distanceOutput: null };
}

/** Runs the network on images: one perceptual embedding per image ('maps'), or one distance per pair ('pair'). */
export class PerceptualNet {
  private constructor(
    readonly plan: PerceptualPlan,
    private readonly session: ort.InferenceSession,
  ) {}

  static async open(plan: PerceptualPlan): Promise<PerceptualNet> {
    const model = parseModel(readFileSync(plan.path), plan.path);
    const bytes = plan.kind === 'maps' ? serializeModel(tapModel(model, plan.layers)) : serializeModel(model);
    const session = await createSession(bytes, { label: plan.modelName });
    return new PerceptualNet(plan, session);
  }

  private dims(): number[] {
    const { recipe } = this.plan;
    return recipe.layout === 'NCHW' ? [recipe.channels, recipe.height, recipe.width] : [recipe.height, recipe.width, recipe.channels];
  }

  private fill(images: readonly RgbImage[], feed: Float32Array, item: number): void {
    images.forEach((im, i) => writeTensor(fitImage({ width: im.width, height: im.height, channels: 3, data: im.rgb }, this.plan.recipe), this.plan.recipe, feed, i * item));
  }

  async embed(images: RgbImage[], batch = 16): Promise<Float32Array[]> {
    if (this.plan.kind !== 'maps') throw new Error('a distance network gives distances, not embeddings');
    const { recipe, fixedBatch, inputName, inputDtype } = this.plan;
    const item = recipe.channels * recipe.width * recipe.height;
    const step = fixedBatch ?? batch;
    const out: Float32Array[] = [];
    for (let s = 0; s < images.length; s += step) {
      const n = Math.min(step, images.length - s);
      const feedN = fixedBatch ?? n;
      const feed = new Float32Array(feedN * item);
      this.fill(images.slice(s, s + n), feed, item);
      const res = await this.session.run({ [inputName]: float32ToOrtTensor(feed, [feedN, ...this.dims()], inputDtype as never) }, this.plan.layers);
      const maps = this.plan.layers.map((name, l) => {
        const t = res[name]!;
        const d = t.dims as number[];
        if (d.length !== 4) throw new UserError('metrics.perceptual-layers', `The perceptual network ${this.plan.modelName}'s feature map ${name} has shape ${d.join('×')}, not N×C×H×W or N×H×W×C.`);
        const nhwc = this.plan.layouts[l] === 'NHWC';
        const [c, h, w] = nhwc ? [d[3]!, d[1]!, d[2]!] : [d[1]!, d[2]!, d[3]!];
        return { data: tensorToFloat32(t), c, h, w, nhwc };
      });
      for (let i = 0; i < n; i++) {
        out.push(
          perceptualEmbedding(
            maps.map(({ data, c, h, w, nhwc }) => {
              const size = c * h * w;
              const own = data.subarray(i * size, (i + 1) * size);
              // perceptualEmbedding reads channel-major maps: an N×H×W×C map is transposed to C×H×W first.
              const chw = nhwc ? new Float32Array(size) : own;
              if (nhwc) for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) chw[k * h * w + p] = own[p * c + k]!;
              return { data: chw, channels: c, height: h, width: w };
            }),
          ),
        );
      }
    }
    return out;
  }

  /** d(a, b) of each pair by the distance network ('pair' plans), a fed as img0 and b as img1. */
  async distances(pairs: readonly (readonly [RgbImage, RgbImage])[], batch = 32): Promise<Float64Array> {
    if (this.plan.kind !== 'pair') throw new Error('a feature-map network gives embeddings, not distances');
    const { recipe, fixedBatch, inputNames, inputDtype, distanceOutput } = this.plan;
    const item = recipe.channels * recipe.width * recipe.height;
    const step = fixedBatch ?? batch;
    const out = new Float64Array(pairs.length);
    for (let s = 0; s < pairs.length; s += step) {
      const n = Math.min(step, pairs.length - s);
      const feedN = fixedBatch ?? n;
      const a = new Float32Array(feedN * item);
      const b = new Float32Array(feedN * item);
      const chunk = pairs.slice(s, s + n);
      this.fill(chunk.map((p) => p[0]), a, item);
      this.fill(chunk.map((p) => p[1]), b, item);
      const dims = [feedN, ...this.dims()];
      const res = await this.session.run({ [inputNames[0]!]: float32ToOrtTensor(a, dims, inputDtype as never), [inputNames[1]!]: float32ToOrtTensor(b, dims, inputDtype as never) }, [distanceOutput!]);
      const d = tensorToFloat32(res[distanceOutput!]!);
      if (d.length !== feedN) {
        throw new UserError('metrics.perceptual-output', `The perceptual network ${this.plan.modelName} gave ${d.length} numbers for ${feedN} image pairs; a distance network gives one per pair.`);
      }
      for (let i = 0; i < n; i++) out[s + i] = d[i]!;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
