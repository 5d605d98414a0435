// h12jg (#12): JumpReLU and Gated SAEs on a planted dictionary (d = 64, m = 256, 4 active atoms per row, 40,000 rows).
// Settings: the defaults (λ, ε, initial θ) given m, except the run length — 2,000 steps of 256 rows at lr 4·10⁻³
// instead of 10,000 of 1,024 at 10⁻³, so the test stays short. The bar (mean max cosine ≥ 0.95 at the
// DEFAULT settings) is measured by `npm run bench -- sae-planted-defaults` (about 3 minutes per architecture, too long
// for CI); h12def measured there JumpReLU 0.980, L0 3.0 (initial θ 0.1 of the mean norm, λ 0.02, resampling; it was
// 0.662 at the paper's initial θ 0.001, whose θ spent most of the run climbing); h12gm: Gated 0.990, L0 3.0, with
// b_gate starting at −θ₀ = −0.1 of the mean norm (0.945 from the paper's b_gate 0, whose gates stayed open for a third
// of the run and left 27 latents on mixtures of atoms). This short run asserts what it measures (bars a little under
// the measured values): most atoms are found almost exactly (median), while a few latents die or straddle two atoms,
// which costs the mean. Measured here (h12def): JumpReLU mean 0.925, median 0.992, L0 4.2; (h12gm) Gated mean 0.950,
// median 0.995, L0 2.9 (0.881 / 0.987 / 3.9 from b_gate 0). JumpReLU's gates make the run chaotic (a last-bit change of
// the input scale moved its mean by 0.012), so its bar keeps a wider margin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saeBases } from '../../main/bases/sae-registry';
import { memoryStream } from '../../main/bases/stream';
import type { FitContext } from '../../main/bases/types';
import { bestCosines } from '../helpers/planted-cosine';
import { plantedData } from './sae-planted';

const planted = plantedData(3, 64, 256, 40000, 4);

function ctx(lives: Record<string, number>[]): FitContext {
  return { progress: (p) => p.live && lives.push(p.live), throwIfCancelled() {} };
}


const bars = { 'sae-jumprelu': { median: 0.98, mean: 0.88 }, 'sae-gated': { median: 0.98, mean: 0.92 } } as const; // h12gm: Gated's raised with its b_gate start

for (const method of ['sae-jumprelu', 'sae-gated'] as const) {
  test(`${method} at its default penalty finds most atoms of a planted dictionary at the planted sparsity`, async () => {
    const t0 = Date.now();
    const sae = saeBases[method].create({ nFeatures: 256, steps: 2000, batchSize: 256, lr: 4e-3, progressEvery: 500 }, 5, planted.d);
    const lives: Record<string, number>[] = [];
    await sae.fit(memoryStream(planted.data, planted.d), ctx(lives));
    const best = bestCosines(planted, sae.directions(), sae.nFeatures);
    const mean = best.reduce((s, v) => s + v, 0) / best.length;
    const median = best[best.length >> 1]!;
    const last = lives[lives.length - 1]!;
    console.log(`${method}: mean max cosine ${mean.toFixed(4)}, median ${median.toFixed(4)} in ${((Date.now() - t0) / 1000).toFixed(1)} s; live ${JSON.stringify(last)}`);
    assert.ok(median >= bars[method].median, `median best cosine ${median}`);
    assert.ok(mean >= bars[method].mean, `mean best cosine ${mean}`);
    assert.ok(last.explainedVariance > 0.65, `explained variance ${last.explainedVariance}`);

    // encode's codes are as sparse as the planted rows: about 4 active latents per row, every one a true JumpReLU /
    // gated code (exactly 0 or positive).
    const rows = 2000;
    const f = await sae.encode(planted.data.subarray(0, rows * planted.d), rows);
    let active = 0;
    for (const v of f) {
      assert.ok(v >= 0);
      if (v > 0) active++;
    }
    const l0 = active / rows;
    assert.ok(l0 >= 2 && l0 <= 8, `encode's L0 ${l0} for 4 planted atoms per row`);
  });
}
