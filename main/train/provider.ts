// Which onnxruntime execution provider runs a training graph (#14 item 4, room: scale): the CPU by default, CUDA where
// the installed onnxruntime-node has it. The npm package bundles only the CPU provider; its CUDA files come from an
// install script this repository skips (package.json allowScripts), so on most installs CUDA is absent and a fit
// asking for it is refused in one sentence before anything is written, rather than failing inside a job.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';

export const TRAINING_PROVIDERS = ['cpu', 'cuda'] as const;
export type TrainingProvider = (typeof TRAINING_PROVIDERS)[number];

const CUDA_LIBRARY: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'libonnxruntime_providers_cuda.so',
  win32: 'onnxruntime_providers_cuda.dll',
};

/** The folders that hold onnxruntime-node's native binding for this platform (bin/napi-vN/PLATFORM/ARCH). */
function bindingDirs(): string[] {
  try {
    const root = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin');
    return readdirSync(root).map((napi) => join(root, napi, process.platform, process.arch)).filter((d) => existsSync(d));
  } catch {
    return [];
  }
}

/** Why this onnxruntime-node cannot train on CUDA, or null when it has the provider's files. */
export function cudaUnavailableReason(): string | null {
  const listed = ort.listSupportedBackends?.().find((b) => b.name === 'cuda');
  if (!listed) return `the installed onnxruntime-node has no CUDA execution provider on ${process.platform}-${process.arch}`;
  if (listed.bundled) return null;
  const lib = CUDA_LIBRARY[process.platform];
  if (lib && bindingDirs().some((d) => existsSync(join(d, lib)))) return null;
  return `the installed onnxruntime-node has no CUDA execution provider (its CUDA files, ${lib ?? 'the provider library'}, were not installed beside its CPU build)`;
}

/** A provider name, checked only as a name (cpu or cuda). */
export function trainingProviderName(value: unknown): TrainingProvider {
  if (!(TRAINING_PROVIDERS as readonly unknown[]).includes(value)) {
    throw new UserError('train.provider', `--provider takes cpu or cuda, not ${String(value)}.`);
  }
  return value as TrainingProvider;
}

/** A provider to train on, checked: unknown names and an absent CUDA provider are refused. */
export function checkTrainingProvider(value: unknown): TrainingProvider {
  const provider = trainingProviderName(value);
  if (provider === 'cuda') {
    const reason = cudaUnavailableReason();
    if (reason) throw new UserError('train.provider', `Cannot train on CUDA: ${reason}; use --provider cpu, or install onnxruntime-node with its CUDA files on a machine with an NVIDIA GPU.`);
  }
  return provider;
}

/** The session's execution providers: CUDA first with the CPU for any operator CUDA lacks, or the CPU alone. */
export function executionProviders(provider: TrainingProvider): string[] {
  return provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
}
