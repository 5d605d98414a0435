// Scale-out on the command line (#14, room: scale): `cajal harvest … --shard i/n` records one slice of the stimuli into
// its own project file (the flag is parsed here, the harvest command passes it on), and `cajal merge` joins the shard
// files into one harvest. deploy/ runs the shards as a Slurm array job or a Kubernetes Indexed Job.
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors';
import { mergeShardFiles } from '../harvest/merge';
import { parseShardFlag, type ShardRequest } from '../harvest/shard';
import { checkTrainingProvider, type TrainingProvider } from '../train/provider';
import { out } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

export const shardOptions: Options = { shard: { type: 'string' } };

export const shardUsage = `  --shard i/n                   record only shard i of n (0 ≤ i < n): a contiguous run of whole chunks of the stimuli,
                                each into its own project file; join them with cajal merge`;

/** The harvest request's shard, or undefined without --shard. */
export function shardFromFlags(v: Record<string, unknown>): ShardRequest | undefined {
  return typeof v.shard === 'string' ? parseShardFlag(v.shard) : undefined;
}

/** Methods whose fit runs a training graph on onnxruntime, so --provider chooses where it runs (#14 item 4). */
const TRAINED_ON_ORT = ['sae-l1', 'sae-topk', 'sae-batchtopk', 'sae-matryoshka', 'sae-jumprelu', 'sae-gated']; // h12jg: jumprelu, gated

export const providerUsage = `  --provider cpu|cuda           trained SAEs: onnxruntime's execution provider for the training graph (default cpu;
                                cuda where the installed onnxruntime-node has it), recorded with the fit`;

/** `cajal fit --provider`, checked before the project is opened: a trained method, and a provider this install has. */
export function providerFromFlags(method: unknown, v: Record<string, unknown>): TrainingProvider | undefined {
  if (v.provider === undefined) return undefined;
  if (typeof method !== 'string' || !TRAINED_ON_ORT.includes(method)) {
    throw new UserError('cli.usage', `--provider chooses where a training graph runs, so it applies to ${TRAINED_ON_ORT.join(', ')}, not ${String(method)}.`);
  }
  return checkTrainingProvider(v.provider);
}

const merge = {
  usage: `cajal merge --into FILE SHARD.cajal… [--json]
  Joins the shards recorded by cajal harvest … --shard i/n (one project file each) into one harvest per tensor in
  FILE (made if absent, else added to). The shards must come from one model file, tensors, recipe (positions,
  storage, input values, item shape, chunk size) and stimulus set, each shard of the split exactly once; anything
  else is refused in one sentence and nothing is written. The merged rows, row metadata and unit statistics equal
  those of one unsharded harvest (same --batch and --chunk-rows).`,
  options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, into: { type: 'string' } } satisfies Options,
  async run(v: Record<string, unknown>, positionals: string[]): Promise<number> {
    if (typeof v.into !== 'string') throw new UserError('cli.usage', 'cajal merge needs --into FILE, the project to merge the shards into.');
    const json = Boolean(v.json);
    let last = 0;
    const progress = (done: number, total: number) => {
      const now = Date.now();
      if (json || (now - last < 200 && done < total)) return;
      last = now;
      process.stderr.write(`\r${((100 * done) / total).toFixed(1).padStart(5)}%  ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows\u001b[K`);
    };
    const r = mergeShardFiles(resolve(v.into), positionals, progress);
    if (json) {
      out({ ok: true, project: r.project, shards: r.shards, harvests: r.harvests });
    } else {
      process.stderr.write('\n');
      for (const h of r.harvests) process.stdout.write(`harvest ${h.id}: ${h.tensor} — ${h.rows.toLocaleString('en-US')} rows × ${h.dim} units from ${r.shards} shards (${h.chunks} chunks)\n`);
    }
    return 0;
  },
};

export const scaleCommands = { merge };
