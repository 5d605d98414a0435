// The part of a training step runner that callers (sae.ts's fit loop: initialise, checkpoint, restore) read its
// state through: state tensors by input name, in the spec's order. The two runners (StepRunner in session.ts,
// SplitAdamStepRunner in split-step.ts) keep their state in different places, so each says only where one tensor is; the lookup's error and the names' order live here once.
import type { StepRunnerSpec } from './session';

export abstract class StateView {
  abstract readonly spec: StepRunnerSpec;

  /** The buffer that holds state tensor `input` now, or undefined when the runner has none by that name. */
  protected abstract stateBuffer(input: string): Float32Array | undefined;

  /** The current value of a state tensor (by its input name); write into it to set or modify state. */
  state(input: string): Float32Array {
    const v = this.stateBuffer(input);
    if (!v) throw new Error(`No state tensor "${input}".`);
    return v;
  }

  /** Every state tensor's input name, parameters first, then their Adam moments (the checkpoint's order). */
  stateNames(): string[] {
    return this.spec.state.map((s) => s.input);
  }
}
