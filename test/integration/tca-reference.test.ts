// CP-ALS and non-negative HALS sweeps against reference numbers from NumPy written the way tensortools writes
// cp_als and ncp_hals (test/fixtures/tca-reference.py: unfoldings times Khatri–Rao products, _hals_update's column
// rule, rebalancing after every sweep). Ours never unfolds — it streams rows and reduces X·A — so agreeing to
// float32 precision after three sweeps checks the MTTKRPs, the updates, the residual formula and the row layout.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryStream } from '../../main/bases/stream';
import { cpSweep, rebalance, tensorShape } from '../../main/tca/cp';
import { repoRoot } from '../helpers/fixtures';
import { quietCtx } from './bases-helpers';

interface Ref {
  D: number;
  P: number;
  S: number;
  R: number;
  rows: number[];
  init: number[][];
  als: { factors: number[][]; errors: number[] };
  hals: { factors: number[][]; errors: number[] };
}

const ref = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/tca-reference.json'), 'utf8')) as Ref;

for (const [form, cache] of [['als', true], ['hals', true], ['als', false], ['hals', false]] as const) {
  // Without the Y cache the stimulus MTTKRP streams the rows a second time: the same numbers.
  test(`three ${form.toUpperCase()} sweeps match tensortools' definitions computed with NumPy (${cache ? 'Y kept' : 'Y streamed again'})`, async () => {
    // Blocks of 7 rows cut across stimuli (5 positions each): the sweep must not depend on how the rows arrive.
    const stream = memoryStream(Float32Array.from(ref.rows), ref.D, 7, ref.P);
    const t = await tensorShape(stream, ref.P);
    assert.deepEqual([t.dim, t.positions, t.stimuli], [ref.D, ref.P, ref.S]);
    const f = { a: Float64Array.from(ref.init[0]!), b: Float64Array.from(ref.init[1]!), c: Float64Array.from(ref.init[2]!) };
    for (let k = 0; k < 3; k++) {
      const error = await cpSweep(stream, t, f, ref.R, form === 'hals', quietCtx, cache ? undefined : 0);
      assert.ok(Math.abs(error - ref[form].errors[k]!) < 1e-5, `sweep ${k + 1}: residual ${error} vs ${ref[form].errors[k]}`);
      rebalance(f, t, ref.R);
    }
    [f.a, f.b, f.c].forEach((mine, n) => {
      const want = ref[form].factors[n]!;
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < want.length; i++) {
        worst = Math.max(worst, Math.abs(mine[i]! - want[i]!));
        scale = Math.max(scale, Math.abs(want[i]!));
      }
      assert.ok(worst <= 1e-4 * scale, `mode ${n}: max deviation ${worst} (scale ${scale})`);
    });
  });
}
