// Text harvest throughput (#13 acceptance): tokens per second recording the lab model's MLP (`mlp_hidden` of
// resources/models/lab-lm.onnx over its held-out text, contexts of 128 bytes, 16 sampled positions each) beside a
// bare onnxruntime-node loop over the same tapped model, the same batch and the same contexts, its feeds built before
// timing by the harvest's own tokenFeeds. Steady rate: the job's recording loop (its result's loopSeconds: feeds,
// inference, sampled-row extraction, row metadata, chunked SQLite writes, unit statistics, progress), without what
// every job pays once (worker start, model load and tap, reading and tokenising the text). Tokens are every token the
// model reads (contexts × 128), the same count for both; the rows stored are the sampled positions. The machine's
// speed swings within a minute, so the two alternate, REPEATS rounds, each reporting its best and median round.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { parseModel, serializeModel } from '../main/onnx/model';
import { createSession } from '../main/onnx/session';
import { tapModel } from '../main/onnx/tap';
import { startHarvestWithShapes } from '../main/services/harvest-start';
import { Lab } from '../main/services/lab';
import { openTextSource } from '../main/stimuli/text';
import type { TextSpec } from '../main/stimuli/types';
import type { TextHarvestJobResult } from '../main/text/harvest-job';
import { tokenFeeds } from '../main/text/token-harvest';
import { planTokenModel } from '../main/text/token-model';
import { repoRoot, tempDir } from '../test/helpers/fixtures';
import type { Row } from './table';

const REPEATS = Number(process.env.CAJAL_BENCH_REPEATS) || 5;
const TENSOR = 'mlp_hidden';
const BATCH = 32;
const CONTEXT = 128;
const POSITIONS = 16;

const best = (a: number[]) => Math.max(...a);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

async function bareLoop(modelPath: string, spec: TextSpec): Promise<{ run: () => Promise<number>; tokens: number; close: () => Promise<void> }> {
  const proto = parseModel(readFileSync(modelPath), modelPath);
  const plan = planTokenModel(proto);
  const session = await createSession(serializeModel(tapModel(proto, [TENSOR])));
  const corpus = openTextSource(spec).corpus;
  const n = corpus.contexts.length;
  const feeds: Record<string, ort.Tensor>[] = [];
  for (let c = 0; c < n; c += BATCH) feeds.push(tokenFeeds(corpus, plan, c, Math.min(BATCH, n - c)));
  const tokens = n * CONTEXT;
  return {
    run: async () => {
      const t0 = performance.now();
      for (const f of feeds) await session.run(f, [TENSOR]);
      return tokens / ((performance.now() - t0) / 1000);
    },
    tokens,
    close: () => session.release(),
  };
}

export async function benchTextHarvest(): Promise<Row[]> {
  const lab = new Lab(() => undefined);
  const dir = tempDir('cajal-bench-text-');
  lab.openProject({ path: join(dir, 'bench.cajal'), create: true });
  try {
    const modelPath = join(repoRoot, 'resources/models/lab-lm.onnx');
    const model = await lab.openModel({ path: modelPath });
    const spec: TextSpec = { kind: 'text', path: join(repoRoot, 'resources/models/lab-lm-heldout.txt'), tokenizer: 'bytes', contextLength: CONTEXT, stride: CONTEXT, positionsPerContext: POSITIONS, seed: 0 };
    const set = await lab.createStimulusSet({ spec, name: 'lab-lm held-out text' });
    let rows = 0;
    // `pipeline`: writes and unit statistics on the writer thread (the default) or inline on the job thread.
    const harvest = async (pipeline = true): Promise<number> => {
      const before = process.env.CAJAL_HARVEST_PIPELINE;
      process.env.CAJAL_HARVEST_PIPELINE = pipeline ? '1' : '0'; // the job's worker copies the environment when it starts
      let job;
      try {
        const started = await startHarvestWithShapes(lab, { modelId: model.id, stimulusSetId: set.id, tensors: [TENSOR], positions: 'all', batchSize: BATCH });
        job = await lab.jobs.wait(started.jobId);
      } finally {
        if (before === undefined) delete process.env.CAJAL_HARVEST_PIPELINE;
        else process.env.CAJAL_HARVEST_PIPELINE = before;
      }
      if (job.status !== 'done') throw new Error(`bench text harvest ${job.status}: ${job.error}`);
      const result = job.result as TextHarvestJobResult;
      if (result.pipelined !== pipeline) throw new Error(`bench text harvest ran ${result.pipelined ? 'pipelined' : 'inline'}, not as asked`);
      rows = result.harvests[0]!.rows;
      return (set.count * CONTEXT) / result.loopSeconds;
    };
    await harvest(); // warm-up: page cache, JIT
    const loop = await bareLoop(modelPath, spec);
    if (loop.tokens !== set.count * CONTEXT) throw new Error(`bare loop reads ${loop.tokens} tokens, the harvest ${set.count * CONTEXT}`);
    await loop.run();
    const ours: number[] = [];
    const inline: number[] = [];
    const bare: number[] = [];
    try {
      for (let r = 0; r < REPEATS; r++) {
        // Rotate the order each round, so none always follows another's idle or busy threads.
        const runs = [async () => void ours.push(await harvest()), async () => void bare.push(await loop.run()), async () => void inline.push(await harvest(false))];
        for (let i = 0; i < runs.length; i++) await runs[(i + r) % runs.length]!();
      }
    } finally {
      await loop.close();
    }
    const job = `${set.count.toLocaleString('en-US')} contexts × ${CONTEXT} tokens, ${rows.toLocaleString('en-US')} rows stored (${POSITIONS} sampled per context) × 512 per job`;
    return [
      {
        name: `text harvest (steady, pipelined): lab-lm ${TENSOR}, batch ${BATCH}, held-out text`,
        value: best(ours),
        unit: 'tokens/s',
        reference: 'bare ORT loop',
        referenceValue: best(bare),
        ratio: best(ours) / best(bare),
        goal: '≥ 0.9',
        note:
          `${job}; ` +
          `best of ${REPEATS} alternating rounds (medians: harvest ${median(ours).toFixed(0)}, bare ${median(bare).toFixed(0)} tokens/s, ratio ${(median(ours) / median(bare)).toFixed(2)}); ` +
          `rate over the job's recording loop (feeds, run, sampled rows extracted, chunks written, unit statistics); the bare loop runs the same tapped model on feeds built before timing`,
      },
      {
        name: `text harvest (steady, inline writes): lab-lm ${TENSOR}, batch ${BATCH}, held-out text`,
        value: best(inline),
        unit: 'tokens/s',
        reference: 'bare ORT loop',
        referenceValue: best(bare),
        ratio: best(inline) / best(bare),
        note: `${job}; chunks written and unit statistics on the job thread (CAJAL_HARVEST_PIPELINE=0); pipelined / inline = ${(best(ours) / best(inline)).toFixed(2)}; medians: inline ${median(inline).toFixed(0)} tokens/s`,
      },
    ];
  } finally {
    await lab.shutdown();
  }
}
