// h12: the sparse-coding basis against scikit-learn's MiniBatchDictionaryLearning on the same planted rows (d = 64,
// m = 256, 4 active atoms per row, 40,000 rows) with the same settings (lasso alpha 0.1, batch 256, 3 passes), timed
// in the same run, alternating (ours, sklearn, ours, sklearn) since the machine's speed swings; the best of each side.
// scikit-learn runs in /usr/bin/python3 (test/fixtures/sparse-coding-sklearn/sklearn_reference.py times its own fit,
// so Python's start-up and loading are not counted); without it the reference column is left out with a message.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SparseCodingBasis } from '../main/bases/sparse-coding';
import { memoryStream } from '../main/bases/stream';
import type { FitContext } from '../main/bases/types';
import { writeNpy } from '../main/io/npy';
import { plantedData } from '../test/integration/sae-planted';
import type { Row } from './table';

const ctx: FitContext = { progress() {}, throwIfCancelled() {} };
const script = fileURLToPath(new URL('../test/fixtures/sparse-coding-sklearn/sklearn_reference.py', import.meta.url));

async function ours(x: Float32Array): Promise<number> {
  const b = new SparseCodingBasis({ nComponents: 256, alpha: 0.1, batchSize: 256, maxIter: 3 }, 0, 64);
  const t0 = performance.now();
  await b.fit(memoryStream(x, 64, 4096), ctx);
  return (performance.now() - t0) / 1000;
}

function sklearn(dir: string): number | string {
  const r = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8' });
  if (r.status !== 0) return (r.stderr || r.error?.message || 'python3 failed').trim().split('\n').pop()!;
  return (JSON.parse(r.stdout) as { fitSeconds: number }).fitSeconds;
}

export async function benchSparseCoding(): Promise<Row[]> {
  const P = plantedData(1, 64, 256, 40000, 4);
  const dir = mkdtempSync(join(tmpdir(), 'cajal-bench-sc-'));
  try {
    writeFileSync(join(dir, 'x.npy'), writeNpy(P.data, [40000, 64]));
    writeFileSync(join(dir, 'atoms.npy'), writeNpy(P.atoms, [256, 64]));
    const a: number[] = [];
    const b: number[] = [];
    let note: string | undefined;
    for (let round = 0; round < 2; round++) {
      a.push(await ours(P.data));
      const s = sklearn(dir);
      if (typeof s === 'string') {
        note = `no scikit-learn reference: ${s}`;
        break;
      }
      b.push(s);
    }
    const value = Math.min(...a);
    const ref = b.length ? Math.min(...b) : undefined;
    return [
      {
        name: 'sparse-coding fit, 40,000 × 64 → 256 atoms (lasso α 0.1, batch 256, 3 passes)',
        value,
        unit: 's',
        reference: 'sklearn MiniBatchDictionaryLearning',
        referenceValue: ref,
        ratio: ref !== undefined ? ref / value : undefined,
        goal: '≥ 2×',
        note,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
