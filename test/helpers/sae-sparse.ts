// Shared by the sparse SAE step tests (test/integration/sae-*-sparse.test.ts): the Basis conformance suite run in a
// child process with every sparse graph forced, a fit's count of steps on the sparse (alternate) graph, and the
// one-step comparisons' seeded state, step and closeness check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { StepRunner } from '../../main/train/session';
import { SplitAdamStepRunner } from '../../main/train/split-step';
import type { Rng } from '../../main/util/random';

/**
 * Runs bases-conformance.test.ts's tests matching `pattern` with CAJAL_SAE_TOPK_TRAINING=sparse (and `env`, e.g.
 * CAJAL_CONFORMANCE_D); asserts ≥ minPassed passed, none failed.
 */
export function assertConformanceWithSparseForced(pattern: string, minPassed: number, what: string, timeout = 240_000, env: Record<string, string> = {}): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-name-pattern=${pattern}`, 'test/integration/bases-conformance.test.ts'], {
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), CAJAL_SAE_TOPK_TRAINING: 'sparse', ...env },
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

type OneStepRunner = StepRunner | SplitAdamStepRunner;

/**
 * The seeded state the one-step tests start from, drawn from `rng` in this order: the `normal` tensors N(0, 0.3²),
 * Adam's second moments of W_enc and W_dec U(0, 0.01), then `own` (a test's own parameters), then the batch x ~ N(0, 1).
 */
export function seedStepState(runner: OneStepRunner, rng: Rng, normal: string[], own?: () => void): void {
  for (const name of normal) rng.fillNormal(runner.state(name), 0, 0.3);
  for (const name of ['v_W_enc', 'v_W_dec']) runner.state(name).set(runner.state(name).map(() => rng.float() * 0.01));
  own?.();
  rng.fillNormal(runner.inputs.x as Float32Array);
}

/** One step at lr 1e-2, t = 3 with `coef` (and `dead`); the state and metrics after it, and the runner released. */
export async function stepAndSnapshot(runner: OneStepRunner, coef: number, dead?: Float32Array): Promise<Record<string, Float32Array>> {
  (runner.inputs.lr as Float32Array)[0] = 1e-2;
  (runner.inputs.t as Float32Array)[0] = 3;
  (runner.inputs.coef as Float32Array)[0] = coef;
  if (dead) (runner.inputs.dead as Float32Array).set(dead);
  await runner.step();
  return snapshotAndRelease(runner);
}

/** A copy of the runner's state and last metrics; the runner released. */
export async function snapshotAndRelease(runner: OneStepRunner): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const name of runner.stateNames()) out[name] = Float32Array.from(runner.state(name));
  for (const [name, v] of Object.entries(runner.outputs)) out[name] = Float32Array.from(v);
  await runner.release();
  return out;
}

/** Every tensor of `b` equals `a`'s within tol (relative past magnitude 1), but the names in `skip`. */
export function assertStepsClose(a: Record<string, Float32Array>, b: Record<string, Float32Array>, tol: number, what: string, skip: string[] = []): void {
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const name of Object.keys(a)) {
    if (skip.includes(name)) continue;
    const x = a[name]!;
    const y = b[name]!;
    assert.equal(x.length, y.length, `${what}: ${name} length`);
    for (let i = 0; i < x.length; i++) {
      assert.ok(Math.abs(x[i]! - y[i]!) <= tol * Math.max(1, Math.abs(x[i]!)), `${what}: ${name}[${i}] dense ${x[i]} vs sparse ${y[i]}`);
    }
  }
}
