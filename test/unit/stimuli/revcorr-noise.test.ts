// Mapping stimuli for reverse correlation (#11): sparse noise (a few pixels on, ± sign) and pink (1/f) noise, as
// regenerable as the white noise they join.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRecipeForInput, openStimulusSource, parseStimulusSpec, type NoiseSpec, type StimulusSpec } from '../../../main/stimuli/index';

const recipe = defaultRecipeForInput([1, 1, 32, 32]);

test('sparse noise: about density·pixels on, each ±std/√density around the mean, the same items every time', async () => {
  const spec = parseStimulusSpec('noise:sparse:400', recipe, { itemShape: [1, 32, 32], density: 0.05, mean: 0.5, std: 0.2 });
  assert.equal(spec.kind === 'noise' && spec.density, 0.05);
  const src = await openStimulusSource(spec);
  const x = await src.batch(0, 400);
  const amp = 0.2 / Math.sqrt(0.05);
  let on = 0;
  let plus = 0;
  let sq = 0;
  for (const v of x) {
    const dv = v - 0.5;
    sq += dv * dv;
    if (Math.abs(dv) < 1e-6) continue;
    assert.ok(Math.abs(Math.abs(dv) - amp) < 1e-5, `an on pixel is mean ± amplitude, got ${v}`);
    on++;
    if (dv > 0) plus++;
  }
  const frac = on / x.length;
  assert.ok(Math.abs(frac - 0.05) < 0.005, `fraction on ${frac}`);
  assert.ok(Math.abs(plus / on - 0.5) < 0.03, `positive share ${plus / on}`);
  assert.ok(Math.abs(Math.sqrt(sq / x.length) - 0.2) < 0.01, 'per-pixel std is the spec std');
  assert.deepEqual(await src.batch(123, 2), x.slice(123 * 1024, 125 * 1024), 'any batch regenerates the same items');
});

/** Mean power at radial frequency band [lo, hi) (cycles/image), via a naive DFT of each 32×32 item. */
function bandPower(items: Float32Array, side: number, count: number, lo: number, hi: number): number {
  let total = 0;
  let bins = 0;
  for (let i = 0; i < count; i++) {
    const img = items.subarray(i * side * side, (i + 1) * side * side);
    for (let u = 0; u < side / 2; u++)
      for (let v = 0; v < side / 2; v++) {
        const f = Math.hypot(u, v);
        if (f < lo || f >= hi) continue;
        let re = 0;
        let im = 0;
        for (let y = 0; y < side; y++)
          for (let x = 0; x < side; x++) {
            const a = (-2 * Math.PI * (u * y + v * x)) / side;
            re += img[y * side + x]! * Math.cos(a);
            im += img[y * side + x]! * Math.sin(a);
          }
        total += re * re + im * im;
        bins++;
      }
  }
  return total / bins;
}

for (const generator of [1, 2] as const) {
  test(`pink noise (generator ${generator}): 1/f amplitude (power falls as 1/f²), neighbouring pixels correlated, item mean and std as asked`, async () => {
    // The white source drawn by noise generator 1 or 2 (#14); generator 1 is a spec without the field.
    const withGenerator = (parsed: StimulusSpec): StimulusSpec => (generator === 2 ? { ...(parsed as NoiseSpec), generator } : parsed);
    const src = await openStimulusSource(withGenerator(parseStimulusSpec('noise:pink:20', recipe, { itemShape: [1, 32, 32], mean: 0, std: 1, seed: 3 })));
    const x = await src.batch(0, 20);
    const low = bandPower(x, 32, 20, 2, 3);
    const high = bandPower(x, 32, 20, 8, 12);
    // Expected ratio for power ∝ 1/f²: (≈10/2.5)² ≈ 16; white noise would give 1.
    const ratio = low / high;
    assert.ok(ratio > 8 && ratio < 32, `power ratio low/high band ${ratio.toFixed(1)}`);
    let c = 0;
    let s = 0;
    for (let i = 0; i < 20; i++)
      for (let y = 0; y < 32; y++)
        for (let xx = 0; xx < 31; xx++) {
          const a = x[i * 1024 + y * 32 + xx]!;
          c += a * x[i * 1024 + y * 32 + xx + 1]!;
          s += a * a;
        }
    assert.ok(c / s > 0.5, `neighbour correlation ${(c / s).toFixed(2)}`);
    const item = x.subarray(0, 1024);
    const m = item.reduce((a, b) => a + b, 0) / 1024;
    const sd = Math.sqrt(item.reduce((a, b) => a + (b - m) ** 2, 0) / 1024);
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(sd - 1) < 1e-4);
    const white = await openStimulusSource(withGenerator(parseStimulusSpec('noise:white:20', recipe, { itemShape: [1, 32, 32], seed: 3 })));
    const wr = bandPower(await white.batch(0, 20), 32, 20, 2, 3) / bandPower(await white.batch(0, 20), 32, 20, 8, 12);
    assert.ok(wr > 0.5 && wr < 2, `white noise is flat: ${wr.toFixed(2)}`);
  });
}

test('a sparse density outside (0, 1] is one sentence', () => {
  assert.throws(() => parseStimulusSpec('noise:sparse', recipe, { itemShape: [1, 32, 32], density: 0 }), (e: Error) => /density/.test(e.message) && !e.message.includes('\n'));
});
