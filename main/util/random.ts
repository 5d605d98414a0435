// Seeded pseudo-random numbers for everything in the lab that must be reproducible from a stored seed:
// noise stimuli, random bases, k-means++ initialisation, SAE weight initialisation.
//
// Generator: xoshiro128** (Blackman & Vigna, 2018), 128 bits of state, period 2^128 − 1, passes BigCrush,
// and needs only 32-bit integer arithmetic, which JavaScript does exactly via Math.imul and `>>> 0`.
// Seeding: the 128-bit state is filled by splitmix32 from the seed, because xoshiro must never start from
// an all-zero state and nearby seeds (0, 1, 2, ...) must give unrelated sequences.
// Streams: `deriveSeed(seed, ...keys)` hashes a seed with any number of integer keys, so item i of a noise
// set is `new Rng(deriveSeed(seed, i))` and can be regenerated alone, in any order, at any time.
//
// The exact sequences are part of the lab's stored-data contract: changing any arithmetic here changes
// every stored noise stimulus and random basis. Do not "improve" it without a migration.

import { ZIGGURAT_R, fn, kn, wn } from './ziggurat';
import { ZIGGURAT_CHUNK, zigguratKernel } from './ziggurat-wasm';

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** MurmurHash3's 32-bit finaliser: full avalanche, so every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Converts any finite integer key (negative, or beyond 32 bits up to 2^53) into two 32-bit words, so that
 * seeds such as Date.now() or large item indices are not silently truncated.
 */
function splitKey(key: number): [number, number] {
  if (!Number.isSafeInteger(key)) throw new RangeError(`A random seed or key must be a safe integer, got ${key}.`);
  const negative = key < 0;
  const magnitude = Math.abs(key);
  const lo = magnitude % TWO_POW_32;
  const hi = Math.floor(magnitude / TWO_POW_32) + (negative ? 0x200000 : 0);
  return [lo >>> 0, hi >>> 0];
}

/**
 * Hashes a seed together with integer keys into a 32-bit seed for an independent stream.
 * `deriveSeed(s, i)` and `deriveSeed(s, j)` give unrelated streams for i ≠ j; so do `deriveSeed(s, a, b)`
 * and `deriveSeed(s, b, a)` (order matters), and `deriveSeed(s)` differs from `s` itself.
 */
export function deriveSeed(seed: number, ...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const key of [seed, ...keys]) {
    for (const word of splitKey(key)) {
      // Murmur3-style absorb: each word is mixed before being folded in, then the running hash is stirred.
      let k = Math.imul(word, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  return fmix32(h ^ (keys.length + 1));
}

/** splitmix32: a tiny generator used only to expand a 32-bit seed into xoshiro's 128-bit state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A serialisable snapshot of a generator, for checkpointing long jobs (e.g. SAE training) mid-way. */
export interface RngState {
  s: [number, number, number, number];
  spareNormal: number | null;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box–Muller yields normals in pairs; the second is kept for the next call rather than wasted. */
  private spareNormal: number | null = null;

  /** `seed` is any safe integer; seeds beyond 32 bits are hashed down, not truncated. */
  constructor(seed: number) {
    const st = { s: Number.isInteger(seed) && seed >= 0 && seed < TWO_POW_32 ? seed | 0 : deriveSeed(seed) | 0 };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent generator for (seed, ...keys); see deriveSeed. */
  static stream(seed: number, ...keys: number[]): Rng {
    return new Rng(deriveSeed(seed, ...keys));
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The next raw 32-bit output, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(((Math.imul(this.s1, 5) << 7) | (Math.imul(this.s1, 5) >>> 25)), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with the full 53 bits of precision (two 32-bit draws). */
  float(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform double in [min, max). */
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.float();
  }

  /**
   * Standard normal (or N(mean, std²)) by the Box–Muller transform. The uniform feeding the logarithm is
   * taken from (0, 1], never 0, so the result is always finite.
   */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    const u1 = 1 - this.float();
    const u2 = this.float();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /**
   * Uniform integer in [min, maxExclusive), without modulo bias (rejection sampling).
   * The range may span at most 2^32 values.
   */
  int(min: number, maxExclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxExclusive)) {
      throw new RangeError(`Rng.int needs integer bounds, got ${min} and ${maxExclusive}.`);
    }
    const range = maxExclusive - min;
    if (range <= 0) throw new RangeError(`Rng.int needs min < maxExclusive, got ${min} and ${maxExclusive}.`);
    if (range > TWO_POW_32) throw new RangeError(`Rng.int supports ranges of at most 2^32 values, got ${range}.`);
    // Values at or above `limit` would make some results more likely than others; redraw them instead.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return min + (x % range);
  }

  /** True with probability p. */
  bernoulli(p = 0.5): boolean {
    return this.float() < p;
  }

  /** Shuffles `array` in place (Fisher–Yates, every permutation equally likely) and returns it. */
  shuffle<T>(array: T[]): T[];
  shuffle<A extends { length: number; [i: number]: number }>(array: A): A;
  shuffle(array: { length: number; [i: number]: unknown }): typeof array {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** `k` distinct indices from 0..n-1, in random order (partial Fisher–Yates; O(n) memory). */
  sampleIndices(n: number, k: number): Uint32Array {
    if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`Cannot sample ${k} distinct indices from ${n}.`);
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < k; i++) {
      const j = this.int(i, n);
      const tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p.slice(0, k);
  }

  /**
   * An index drawn with probability proportional to its (non-negative) weight, as k-means++ needs for
   * D² sampling. Throws if all weights are zero, since no index can then be chosen meaningfully.
   */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`Weight ${i} is ${w}; weights must be finite and non-negative.`);
      total += w;
    }
    if (total <= 0) throw new RangeError('Cannot draw a weighted index when every weight is zero.');
    const target = this.float() * total;
    let acc = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] === 0) continue;
      acc += weights[i];
      last = i;
      if (target < acc) return i;
    }
    // Rounding can leave target a hair above the final partial sum; the last positive weight owns that sliver.
    return last;
  }

  /** Fills `out` with N(mean, std²) samples. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /**
   * Noise generator 2 (#14): fills out[start, end) with N(mean, std²) deviates by the ziggurat (util/ziggurat.ts),
   * one 32-bit output per value in ~99% of draws. A different sequence from normal()/fillNormal() (generator 1,
   * Box–Muller), which stored noise sets made before it keep. The generator state lives in locals through the
   * loop, since this is the hot loop of a noise harvest; the rare wedge and tail draws go through the slow path.
   * `spareNormal` is left as it was: this draws no Box–Muller pairs.
   */
  fillNormalZiggurat(out: Float32Array | Float64Array, start: number, end: number, mean = 0, std = 1): void {
    const kernel = out instanceof Float32Array ? zigguratKernel() : null;
    if (!kernel) {
      this.fillNormalZigguratScalar(out, start, end, mean, std);
      return;
    }
    // The fast path in WebAssembly (util/ziggurat-wasm.ts), the same values; a draw it hands back (a wedge or the
    // tail) is finished here by the same slow path, and the kernel goes on from the state after it.
    const state = kernel.state;
    state[0] = this.s0;
    state[1] = this.s1;
    state[2] = this.s2;
    state[3] = this.s3;
    for (let k = start; k < end; ) {
      const n = Math.min(end - k, ZIGGURAT_CHUNK);
      kernel.fill(n, mean, std);
      const stop = kernel.stop[0]!;
      out.set(kernel.out.subarray(0, stop), k);
      k += stop;
      if (stop === n) continue;
      const bits = kernel.stop[1]!;
      this.s0 = state[0]!;
      this.s1 = state[1]!;
      this.s2 = state[2]!;
      this.s3 = state[3]!;
      out[k++] = mean + std * this.zigguratEdge(bits >> 8, bits & 255);
      state[0] = this.s0;
      state[1] = this.s1;
      state[2] = this.s2;
      state[3] = this.s3;
    }
    this.s0 = state[0]!;
    this.s1 = state[1]!;
    this.s2 = state[2]!;
    this.s3 = state[3]!;
  }

  /**
   * The fill in JS: the reference the WebAssembly kernel is tested against, and what runs where it cannot (a
   * Float64Array, a runtime without WebAssembly).
   */
  fillNormalZigguratScalar(out: Float32Array | Float64Array, start: number, end: number, mean = 0, std = 1): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    // The tables in locals: read through the module binding each time, the loop ran 5× slower under tsx.
    const K = kn;
    const W = wn;
    for (let k = start; k < end; k++) {
      // xoshiro128** inline: the same output as nextUint32(), as a signed 32-bit integer.
      const r5 = Math.imul(s1, 5);
      const bits = Math.imul((r5 << 7) | (r5 >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const layer = bits & 255;
      const j = bits >> 8; // the high 24 bits, signed
      if ((j < 0 ? -j : j) < K[layer]!) {
        out[k] = mean + std * (j * W[layer]!);
        continue;
      }
      this.s0 = s0;
      this.s1 = s1;
      this.s2 = s2;
      this.s3 = s3;
      out[k] = mean + std * this.zigguratEdge(j, layer);
      s0 = this.s0;
      s1 = this.s1;
      s2 = this.s2;
      s3 = this.s3;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** A uniform double in (0, 1), never 0 or 1, for the logarithms and wedge tests of the ziggurat. */
  private openUnit(): number {
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }

  /** The ziggurat's slow path (Marsaglia & Tsang's nfix): the tail beyond R, or a wedge test, else a new draw. */
  private zigguratEdge(j: number, layer: number): number {
    for (;;) {
      const x = j * wn[layer]!;
      if (layer === 0) {
        // The tail beyond R by Marsaglia's method: exponential proposals accepted under the normal's tail.
        let tx: number;
        let ty: number;
        do {
          tx = -Math.log(this.openUnit()) / ZIGGURAT_R;
          ty = -Math.log(this.openUnit());
        } while (ty + ty < tx * tx);
        return j > 0 ? ZIGGURAT_R + tx : -ZIGGURAT_R - tx;
      }
      if (fn[layer]! + this.openUnit() * (fn[layer - 1]! - fn[layer]!) < Math.exp(-0.5 * x * x)) return x;
      const bits = this.nextUint32() | 0;
      layer = bits & 255;
      j = bits >> 8;
      if (Math.abs(j) < kn[layer]!) return j * wn[layer]!;
    }
  }

  /** Fills `out` with uniform samples in [min, max). */
  fillUniform(out: Float32Array | Float64Array, min = 0, max = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(min, max);
    return out;
  }

  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spareNormal };
  }

  setState(state: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((v) => v | 0) as RngState['s'];
    this.spareNormal = state.spareNormal;
  }

  clone(): Rng {
    return Rng.fromState(this.getState());
  }
}
