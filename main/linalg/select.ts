// The K largest of a long float vector, as flat indices in ascending order: BatchTopK's selection over a whole
// batch of codes (B·m values, K = k·B of them kept). Why by hand: onnxruntime's TopK on one row of B·m = 4.2M values
// (d = 512, m = 4,096, B = 1,024, k = 32) takes about 37–40 ms on one thread, a sixth of the BatchTopK step, where
// this select takes about 10 ms (npm run bench -- batch-select); no npm package selects with TopK's tie rule into
// caller-owned buffers. A radix histogram over all values was tried first: two passes of 17–35 ms each in V8.
//
// The set is ONNX TopK's (largest = 1): the K greatest values, and among equal values at the boundary the ones with
// the lower index; NaN is never kept. How: a strided sample sets a threshold that about 1.3·K values pass (the
// stride is prime, so a [B, m] batch is sampled across all its latents); one pass collects those (a predictable
// branch per value); quickselect finds the K-th greatest among them, and the pass's own order gives the indices
// ascending. If fewer than K pass (an unlucky sample), the threshold is lowered and the pass repeated, down to every
// value.

const STRIDE = 251;

export interface SelectScratch {
  idx?: Int32Array;
  vals?: Float32Array;
}

/** Indices i with values[i] ≥ tau, ascending, into idx (grown as needed); their count. */
function collect(values: Float32Array, tau: number, scratch: SelectScratch, capacity: number): number {
  const n = values.length;
  let idx = scratch.idx && scratch.idx.length >= capacity ? scratch.idx : (scratch.idx = new Int32Array(capacity));
  let c = 0;
  const push = (i: number) => {
    if (c === idx.length) {
      const grown = new Int32Array(Math.min(n, idx.length * 2));
      grown.set(idx);
      idx = scratch.idx = grown;
    }
    idx[c++] = i;
  };
  if (tau > 0) {
    // A positive threshold compares as int32 bits (no float conversion per value; about twice as fast in V8):
    // negatives, −0 included, have negative bits. A NaN may pass here; the caller checks the values it collected.
    const bits = new Int32Array(values.buffer, values.byteOffset, n);
    const tb = new Int32Array(Float32Array.of(tau).buffer)[0]!;
    const whole = n - (n % 4);
    for (let i = 0; i < whole; i += 4) {
      if (bits[i]! >= tb || bits[i + 1]! >= tb || bits[i + 2]! >= tb || bits[i + 3]! >= tb) {
        for (let j = i; j < i + 4; j++) if (bits[j]! >= tb) push(j);
      }
    }
    for (let i = whole; i < n; i++) if (bits[i]! >= tb) push(i);
  } else {
    for (let i = 0; i < n; i++) if (values[i]! >= tau) push(i);
  }
  return c;
}

/** The r-th smallest (0-based) of a[0..n) by quickselect, reordering a. */
function nth(a: Float32Array, n: number, r: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median of three as the pivot, then Hoare's partition.
    const mid = (lo + hi) >> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r]!;
  }
  return a[r]!;
}

/** Writes the flat indices of the K largest entries of `values` into `out` (length K), ascending. */
export function topKFlatIndices(values: Float32Array, K: number, out: BigInt64Array | Int32Array, scratch: SelectScratch = {}): void {
  const n = values.length;
  if (K > n || K < 0 || out.length !== K) throw new Error(`topKFlatIndices: K = ${K} of ${n} values into ${out.length} slots`);
  if (K === 0) return;
  const samples = new Float32Array(Math.ceil(n / STRIDE));
  for (let i = 0, s = 0; i < n; i += STRIDE) samples[s++] = values[i]!;
  samples.sort(); // ascending; NaN last
  const expected = (K / n) * samples.length;
  let rank = Math.ceil(1.3 * expected + 4 * Math.sqrt(expected) + 4);
  for (;;) {
    // The threshold: the rank-th greatest sample, or every value once the rank passes the sample count.
    const all = rank >= samples.length;
    const tau = all ? -Infinity : samples[samples.length - 1 - rank]!;
    const passed = collect(values, tau, scratch, Math.min(n, 2 * K));
    const idx = scratch.idx!;
    const vals = scratch.vals && scratch.vals.length >= passed ? scratch.vals : (scratch.vals = new Float32Array(idx.length));
    // NaN is never among the K (it is greater than nothing); the int32 comparison may have let one through.
    let c = 0;
    for (let j = 0; j < passed; j++) {
      const v = values[idx[j]!]!;
      if (v !== v) continue;
      idx[c] = idx[j]!;
      vals[c++] = v;
    }
    if (c < K) {
      if (all) throw new Error(`topKFlatIndices: only ${c} of the ${n} values are numbers, fewer than the ${K} to keep (the rest are NaN: a fit that diverged)`);
      rank *= 4;
      continue;
    }
    const cut = nth(vals, c, c - K); // the K-th greatest
    // How many of the K are above the cut; the rest are values equal to it, the lowest indices first (the pass
    // collected them in ascending order).
    let greater = 0;
    for (let j = 0; j < c; j++) if (vals[j]! > cut) greater++;
    let equalLeft = K - greater;
    let o = 0;
    const big = out instanceof BigInt64Array;
    for (let j = 0; j < c; j++) {
      const i = idx[j]!;
      const v = values[i]!;
      if (v > cut || (v === cut && equalLeft-- > 0)) {
        if (big) (out as BigInt64Array)[o++] = BigInt(i);
        else (out as Int32Array)[o++] = i;
      }
    }
    if (o !== K) throw new Error(`topKFlatIndices: selected ${o} of ${K}`);
    return;
  }
}
