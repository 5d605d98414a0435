// onnxruntime prints its own log lines ("[E:onnxruntime:, sequential_executor.cc …]") on stderr when a run fails —
// for instance when inspection's probe feeds a dummy input that does not suit the model — on top of the error it
// returns, which the lab turns into its own sentence. Its log is silenced (fatal only) unless the user chooses a
// level with CAJAL_ORT_LOG=verbose|info|warning|error|fatal (issue #8).
import * as ort from 'onnxruntime-node';

const LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;
export type OrtLogLevel = (typeof LEVELS)[number];

/** The level the user chose, else 'fatal'; an unknown value falls back to 'fatal' rather than failing a command. */
export function ortLogLevel(env: NodeJS.ProcessEnv = process.env): OrtLogLevel {
  const chosen = env.CAJAL_ORT_LOG?.trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(chosen ?? '') ? (chosen as OrtLogLevel) : 'fatal';
}

/** ORT's severity number for session and run options: 0 verbose … 4 fatal. */
export function ortLogSeverity(env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 | 4 {
  return LEVELS.indexOf(ortLogLevel(env)) as 0 | 1 | 2 | 3 | 4;
}

let applied = false;
/** Sets ORT's process-wide default logger once (it is created with the first session). */
export function applyOrtLogLevel(): void {
  if (applied) return;
  applied = true;
  ort.env.logLevel = ortLogLevel();
}
