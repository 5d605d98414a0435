// One pass of the harvest bench's bare onnxruntime loop on a thread of its own (bench/harvest.ts): the session and the
// inputs are built first, untimed; then every batch is run once and the rate posted back.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { batchFeeds, planFeeds, type ModelInputInfo } from '../main/harvest/feeds';
import { parseModel, serializeModel } from '../main/onnx/model';
import { tapOnly } from '../main/onnx/prune';
import { createSession } from '../main/onnx/session';
import { tapModel } from '../main/onnx/tap';
import { openStimulusSource } from '../main/stimuli/open';
import type { StimulusSpec } from '../main/stimuli/types';

export interface BareLoopJob {
  modelPath: string;
  label: string;
  tensor: string;
  graph: 'whole' | 'taps';
  spec: StimulusSpec;
  inputs: ModelInputInfo[];
  batch: number;
  items: number;
}

const job = workerData as BareLoopJob;
const model = parseModel(readFileSync(job.modelPath), job.label);
const session = await createSession(serializeModel(job.graph === 'taps' ? tapOnly(model, [job.tensor]) : tapModel(model, [job.tensor])));
const source = await openStimulusSource(job.spec);
const plan = planFeeds(job.inputs, source.itemShape);
const batch = plan.fixedBatch ?? job.batch;
const feeds: Record<string, ort.Tensor>[] = [];
for (let i = 0; i < job.items; i += batch) {
  const n = Math.min(batch, job.items - i);
  feeds.push(batchFeeds(plan, await source.batch(i, n), n));
}
const t0 = performance.now();
for (const f of feeds) await session.run(f, [job.tensor]);
const rate = job.items / ((performance.now() - t0) / 1000);
await session.release();
parentPort!.postMessage(rate);
