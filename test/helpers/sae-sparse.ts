// Shared by the sparse SAE step tests (test/integration/sae-*-sparse.test.ts): the Basis conformance suite run in a
// child process with every sparse graph forced, and a fit's count of steps on the sparse (alternate) graph.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SplitAdamStepRunner } from '../../main/train/split-step';

/** Runs bases-conformance.test.ts's tests matching `pattern` with CAJAL_SAE_TOPK_TRAINING=sparse; asserts ≥ minPassed passed, none failed. */
export function assertConformanceWithSparseForced(pattern: string, minPassed: number, what: string, timeout = 240_000): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-name-pattern=${pattern}`, 'test/integration/bases-conformance.test.ts'], {
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), CAJAL_SAE_TOPK_TRAINING: 'sparse' },
    encoding: 'utf8',
    timeout,
  });
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out.slice(-3000));
  const passed = Number(/# pass (\d+)/.exec(out)?.[1] ?? 0);
  assert.ok(passed >= minPassed, `the ${what} conformance tests ran and passed (${passed}):\n${out.slice(-1500)}`);
  assert.match(out, /# fail 0/);
}

/** Runs `fit` and counts the split steps it ran on the alternate (sparse) graph, observed on the real runner. */
export async function countingSparseSteps<T>(fit: () => Promise<T>): Promise<{ result: T; sparseSteps: number }> {
  const original = SplitAdamStepRunner.prototype.step;
  let sparseSteps = 0;
  SplitAdamStepRunner.prototype.step = function (this: SplitAdamStepRunner) {
    if (this.useAlternate) sparseSteps++;
    return original.call(this);
  };
  try {
    return { result: await fit(), sparseSteps };
  } finally {
    SplitAdamStepRunner.prototype.step = original;
  }
}
