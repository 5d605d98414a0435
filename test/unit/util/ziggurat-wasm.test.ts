// Noise generator 2's WebAssembly fast path (#14, util/ziggurat-wasm.ts) draws the JS loop's values bit for bit:
// the digest below was taken from the JS fill before the kernel existed, and the kernel's values are compared with
// the JS loop's across kernel calls (more values than one call draws), draws it hands back (wedges and the tail),
// offsets, mean and sd, and the generator's state after the fill.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Rng } from '../../../main/util/random';
import { ZIGGURAT_CHUNK, zigguratKernel } from '../../../main/util/ziggurat-wasm';

const sha256 = (v: Float32Array) => createHash('sha256').update(Buffer.from(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

test('this runtime builds the kernel (else every fill would run the JS loop and the tests below would compare it with itself)', () => {
  assert.ok(zigguratKernel(), 'WebAssembly validates and instantiates the ziggurat kernel');
});

test('the fill equals the digest taken from the JS loop before the kernel (64 CIFAR-sized items, mean 0.25, sd 1.5)', () => {
  const v = new Float32Array(64 * 3072);
  for (let i = 0; i < 64; i++) Rng.stream(7, i).fillNormalZiggurat(v, i * 3072, (i + 1) * 3072, 0.25, 1.5);
  assert.equal(sha256(v), 'ba6632803f802bb424cb589b924f1bbca489956f96eb6af90e7279aaaead426f');
  const js = new Float32Array(64 * 3072);
  for (let i = 0; i < 64; i++) Rng.stream(7, i).fillNormalZigguratScalar(js, i * 3072, (i + 1) * 3072, 0.25, 1.5);
  assert.equal(sha256(js), sha256(v));
});

test('kernel and JS loop agree value for value and leave the same state, across calls, handed-back draws and offsets', () => {
  let handedBack = 0;
  let tails = 0;
  let values = 0;
  for (const [mean, std] of [[0, 1], [-3.5, 0.01], [1e6, 1e-3]] as const) {
    for (let i = 0; i < 40; i++) {
      const n = [1, 7, 3072, ZIGGURAT_CHUNK - 1, ZIGGURAT_CHUNK, ZIGGURAT_CHUNK + 1, 3 * ZIGGURAT_CHUNK + 11][i % 7]!;
      const a = new Float32Array(n + 9).fill(42);
      const b = new Float32Array(n + 9).fill(42);
      const ra = Rng.stream(11, i, n);
      const rb = Rng.stream(11, i, n);
      ra.fillNormalZiggurat(a, 5, 5 + n, mean, std);
      rb.fillNormalZigguratScalar(b, 5, 5 + n, mean, std);
      for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) assert.fail(`value ${k} of fill ${i} (n ${n}, mean ${mean}, sd ${std}): ${a[k]} against ${b[k]}`);
      assert.equal(a[4], 42, 'nothing written before the range');
      assert.equal(a[5 + n], 42, 'nothing written after it');
      assert.deepEqual(ra.getState(), rb.getState(), 'the same state after the fill');
      values += n;
      if (mean === 0 && std === 1) {
        // What the kernel hands back: values its fast path could not give (|j| ≥ kn); the tail lies beyond R.
        for (let k = 5; k < 5 + n; k++) if (Math.abs(b[k]!) > 3.6541528853610088) tails++;
      }
    }
  }
  // The draws the kernel hands back over one call's worth of values: each stop consumed the missed draw, and the
  // next call goes on from the state it left.
  const kernel = zigguratKernel()!;
  kernel.state.set(Rng.stream(3).getState().s);
  for (let at = 0; at < ZIGGURAT_CHUNK; ) {
    kernel.fill(ZIGGURAT_CHUNK - at, 0, 1);
    at += kernel.stop[0]!;
    if (at < ZIGGURAT_CHUNK) {
      handedBack++;
      at++;
    }
  }
  assert.ok(values > 500_000, `${values} values compared`);
  assert.ok(tails > 0, 'the comparison includes tail draws');
  // About 1 % of draws miss a 256-layer ziggurat's fast path.
  assert.ok(handedBack > 40 && handedBack < 600, `${handedBack} of ${ZIGGURAT_CHUNK} draws handed back`);
});

test('a Float64Array is filled by the JS loop, with the same values as a Float32Array before rounding', () => {
  const d = new Float64Array(5000);
  const f = new Float32Array(5000);
  Rng.stream(5).fillNormalZiggurat(d, 0, 5000, 0, 1);
  Rng.stream(5).fillNormalZiggurat(f, 0, 5000, 0, 1);
  assert.deepEqual(f, Float32Array.from(d));
  assert.ok(d.some((x, k) => x !== f[k]), 'the float64 values are not float32-rounded');
});
