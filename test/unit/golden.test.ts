// Golden tests for contracts the code declares and stored data depends on. References come from independent tools,
// recorded once by test/fixtures/golden/make_goldens.py (Python: a separate xoshiro128** implementation, torch's
// float16/bfloat16 conversions, Pillow's BILINEAR resize); the test itself never runs Python. deriveSeed and the
// normal draws have no outside reference: their sequences are pinned, because every stored seeded result (random
// bases, SAE initialisations, shuffles, bootstrap intervals, 2AFC trials) would silently change with them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors } from '../../main/io/safetensors';
import { decodeImage } from '../../main/stimuli/decode';
import { resample } from '../../main/stimuli/resample';
import { deriveSeed, Rng } from '../../main/util/random';
import { fixture } from '../helpers/fixtures';

const here = join(import.meta.dirname, '..', 'fixtures', 'golden');
const ref = JSON.parse(readFileSync(join(here, 'reference.json'), 'utf8')) as {
  safetensors: Record<'f16' | 'bf16', (number | string)[]>;
  resample: { image: string; width: number; height: number; out: [number, number]; box: [number, number, number, number] | null; srcSha: string; pixels: number[] }[];
  xoshiro128ss: Record<string, number[]>;
};

test('Rng(seed) draws the xoshiro128** sequence of an independent implementation, seeded by splitmix32', () => {
  for (const [seed, want] of Object.entries(ref.xoshiro128ss)) {
    const rng = new Rng(Number(seed));
    assert.deepEqual(Array.from(want, () => rng.nextUint32()), want, `seed ${seed}`);
  }
  // float() is two draws: 27 high bits of the first, 26 of the second, over 2^53.
  const words = ref.xoshiro128ss['42']!;
  const rng = new Rng(42);
  for (let i = 0; i < 4; i++) assert.equal(rng.float(), ((words[2 * i]! >>> 5) * 67108864 + (words[2 * i + 1]! >>> 6)) / 2 ** 53);
});

test('deriveSeed, seeds beyond 32 bits and normal draws are pinned', () => {
  assert.deepEqual(
    [deriveSeed(0), deriveSeed(1), deriveSeed(0, 0), deriveSeed(0, 1), deriveSeed(1, 0), deriveSeed(7, 1, 2), deriveSeed(7, 2, 1), deriveSeed(2 ** 40, 3), deriveSeed(-5, 9)],
    [2497570014, 2353003041, 2981686868, 1593552022, 588854801, 2343324150, 1809864397, 770598645, 240383944],
  );
  const big = new Rng(2 ** 40);
  assert.deepEqual([big.nextUint32(), big.nextUint32(), big.nextUint32()], [648154401, 3927964134, 832001538]);
  const rng = new Rng(42);
  assert.deepEqual(Array.from({ length: 4 }, () => rng.normal()), [1.1226591822802086, 0.9491474351894811, 0.40412785633822706, 0.0387374413085134]);
  // Rng.stream is the documented shorthand for Rng(deriveSeed(...)).
  assert.equal(Rng.stream(7, 1, 2).nextUint32(), new Rng(2343324150).nextUint32());
});

test('float16 and bfloat16 safetensors written by Python read as torch converts them', () => {
  const { tensors, metadata } = readSafetensors(readFileSync(join(here, 'half.safetensors')), 'half.safetensors');
  assert.match(metadata.writer ?? '', /^make_goldens\.py/);
  assert.deepEqual(tensors.f16!.shape, [3, 4]);
  assert.deepEqual(tensors.bf16!.shape, [4, 3]);
  for (const key of ['f16', 'bf16'] as const) {
    const want = ref.safetensors[key].map((v) => (typeof v === 'string' ? Number(v) : v));
    assert.deepEqual(Array.from(tensors[key]!.data), want, key);
  }
  // Signed zero and the subnormals survive (deepEqual above compares with Object.is).
  assert.ok(Object.is(tensors.f16!.data[1], -0) && tensors.f16!.data[7]! > 0 && tensors.bf16!.data[11]! > 0);
});

test("resample equals Pillow's Image.resize(BILINEAR, box) on PNGs, shrinking (antialiased), cropping and enlarging", () => {
  for (const c of ref.resample) {
    const img = decodeImage(readFileSync(fixture(`images/${c.image}`)));
    // Pillow decoded the same pixels (PNG is lossless), so any difference below is the resampling.
    assert.equal(createHash('sha256').update(img.data).digest('hex'), c.srcSha, `${c.image} decodes as Pillow decodes it`);
    const box = c.box ? { x0: c.box[0], y0: c.box[1], x1: c.box[2], y1: c.box[3] } : { x0: 0, y0: 0, x1: img.width, y1: img.height };
    const out = resample(img.data, img.width, img.height, img.channels, box, c.out[0], c.out[1]);
    assert.equal(out.length, c.pixels.length);
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < out.length; i++) {
      worst = Math.max(worst, Math.abs(Math.min(255, Math.max(0, Math.round(out[i]!))) - c.pixels[i]!));
      sum += Math.abs(out[i]! - c.pixels[i]!);
    }
    // Pillow works in fixed point and rounds to 8 bits; the lab keeps floats: at most one grey level apart.
    const what = `${c.image} → ${c.out.join('×')}${c.box ? ` from box ${c.box.join(', ')}` : ''}`;
    assert.ok(worst <= 1, `${what}: max difference ${worst}`);
    assert.ok(sum / out.length < 0.5, `${what}: mean difference ${sum / out.length}`);
  }
});
