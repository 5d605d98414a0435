// The pair products of the sparse SAE steps (#12, #14 item 5, linalg/pairs-wasm.ts): the WebAssembly kernels give the
// JS loops' bits (the same float32 operations in the same order), both equal the definitions to float rounding, for
// repeated and unordered indices, several widths, an empty list, and a workspace that grows between layouts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PairsWorkspace } from '../../../main/linalg/pairs-wasm';
import { Rng } from '../../../main/util/random';

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

/** One run of every product on a fresh workspace; everything it wrote. */
function run(useKernel: boolean, rows: number, m: number, d: number, pairs: number, seed: number) {
  const ws = new PairsWorkspace(useKernel);
  const rng = new Rng(seed);
  ws.f32(7); // an odd-sized region first, so the others are not at address 0
  const a = ws.f32(rows * d);
  const w = ws.f32(m * d);
  const g = ws.f32(m * d);
  const t = ws.f32(m * d);
  const row = ws.i32(pairs);
  const lat = ws.i32(pairs);
  const val = ws.f32(pairs);
  const out = ws.f32(pairs);
  rng.fillNormal(a.view());
  rng.fillNormal(w.view());
  rng.fillNormal(val.view());
  const [r, l] = [row.view(), lat.view()];
  for (let j = 0; j < pairs; j++) {
    r[j] = Math.floor(rng.float() * rows);
    l[j] = Math.floor(rng.float() * m); // repeats and any order
  }
  const x = ws.f32(rows * d);
  x.view().fill(0); // what the products accumulate into starts at zero
  g.view().fill(0);
  ws.axpy(x, row, w, lat, val, pairs, d);
  ws.dot(x, row, w, lat, out, pairs, d);
  ws.axpy(g, lat, a, row, val, pairs, d);
  const projected = Float32Array.from(g.view());
  ws.project(g, w, m, d);
  ws.transpose(g, t, m, d);
  return { a: a.view().slice(), w: w.view().slice(), val: val.view().slice(), r: r.slice(), l: l.slice(), x: x.view().slice(), out: out.view().slice(), before: projected, g: g.view().slice(), t: t.view().slice(), simd: ws.simd };
}

test('the kernels give the JS loops\' bits, and both the definitions to float rounding', () => {
  for (const [rows, m, d, pairs] of [[5, 9, 4, 23], [33, 70, 16, 400], [3, 17, 52, 1], [4, 6, 8, 0]] as const) {
    const k = run(true, rows, m, d, pairs, rows + m + d);
    const js = run(false, rows, m, d, pairs, rows + m + d);
    assert.ok(k.simd && !js.simd, 'both routes ran');
    for (const name of ['x', 'out', 'g', 't'] as const) assert.deepEqual(bitsOf(k[name]), bitsOf(js[name]), `${name} at ${rows}×${m}×${d}, ${pairs} pairs`);
    // The definitions in float64.
    const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
    const x = new Float64Array(rows * d);
    const g = new Float64Array(m * d);
    for (let j = 0; j < pairs; j++) for (let c = 0; c < d; c++) {
      x[k.r[j]! * d + c]! += k.val[j]! * k.w[k.l[j]! * d + c]!;
      g[k.l[j]! * d + c]! += k.val[j]! * k.a[k.r[j]! * d + c]!;
    }
    x.forEach((v, i) => close(k.x[i]!, v, `axpy x[${i}]`));
    g.forEach((v, i) => close(k.before[i]!, v, `axpy g[${i}]`));
    for (let j = 0; j < pairs; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += k.x[k.r[j]! * d + c]! * k.w[k.l[j]! * d + c]!;
      close(k.out[j]!, s, `dot ${j}`);
    }
    for (let i = 0; i < m; i++) {
      let par = 0;
      for (let c = 0; c < d; c++) par += k.before[i * d + c]! * k.w[i * d + c]!;
      for (let c = 0; c < d; c++) {
        close(k.g[i * d + c]!, k.before[i * d + c]! - par * k.w[i * d + c]!, `project g[${i}, ${c}]`);
        assert.equal(k.t[c * m + i], k.g[i * d + c], `transpose [${c}, ${i}]`);
      }
    }
  }
});

test('each workspace keeps its own memory: another one laid out and written between keeps its regions', () => {
  const a = new PairsWorkspace();
  const ra = a.f32(64);
  ra.view().fill(5);
  const b = new PairsWorkspace();
  const rb = b.f32(1 << 18);
  rb.view().fill(-1);
  assert.ok(a.simd && b.simd);
  assert.deepEqual(Array.from(ra.view().subarray(0, 4)), [5, 5, 5, 5]);
});

test('a workspace laid out again, larger, keeps working; rows of a width not a multiple of 4 are refused', () => {
  const ws = new PairsWorkspace();
  const small = ws.f32(16);
  small.view().fill(1);
  ws.reset();
  const big = ws.f32(1 << 20); // grows the memory past its first page
  const idx = ws.i32(1);
  const val = ws.f32(1);
  val.view()[0] = 2;
  big.view().fill(1);
  ws.axpy(big, idx, big, idx, val, 1, 4);
  assert.deepEqual(Array.from(big.view().subarray(0, 5)), [3, 3, 3, 3, 1]);
  assert.throws(() => ws.axpy(big, idx, big, idx, val, 1, 6), /multiple of 4/);
});
