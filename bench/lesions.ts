// Lesions (#10): lesion evaluations per second (one evaluation = one stimulus under one coalition's lesion) for an
// MSA's 256 coalitions (8 elements, zero ablation, v = accuracy) × 1,000 digits, through the real lesion game:
// - batched: coalitions grouped into one edit-graph run and one suffix run per group (the lab's way);
// - one run per coalition × stimulus, the unbatched loop (goal: batched ≥ 5×), and one run per coalition (groups of one);
// - a bare onnxruntime loop over the cut suffix model on pre-edited values at the same batch (goal ≥ 0.8×).
// On the bundled MNIST MLP (hidden1, batch free) and on mnist-8 (conv1; its batch is fixed at 1 in the file, which the
// fused lesion graph frees; the bare loop must run the file's suffix one stimulus at a time). Alternating rounds, best of each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { coalitionFromMask } from '../main/lesions/game';
import { groupSize } from '../main/lesions/jobs';
import { lesionGame } from '../main/lesions/lesion-game';
import { LesionPlanner } from '../main/lesions/plan';
import { openSubject } from '../main/lesions/subject';
import { cutModelWithProbe } from '../main/onnx/cut';
import { parseModel, serializeModel } from '../main/onnx/model';
import { createSession } from '../main/onnx/session';
import { Lab } from '../main/services/lab';
import { defaultRecipeForInput } from '../main/stimuli/recipe';
import { fixtureModels, repoRoot, tempDir } from '../test/helpers/fixtures';
import type { Row } from './table';

const DIGITS = 1000;
const ROUNDS = 2;

async function benchModel(label: string, modelPath: string, tensor: string, scale: number): Promise<Row[]> {
  const lab = new Lab(() => undefined);
  lab.openProject({ path: join(tempDir('cajal-bench-lesions-'), 'b.cajal'), create: true });
  try {
    const m = await lab.openModel({ path: modelPath });
    const input = m.inputs[0]!;
    const set = await lab.createStimulusSet({ spec: { kind: 'mnist', offset: 0, count: DIGITS, recipe: { ...defaultRecipeForInput(input.shape ?? [], 'float32', input.name), scale } } });
    const started = lab.startHarvest({ modelId: m.id, stimulusSetId: set.id, tensors: [tensor], positions: 'centre' });
    const job = await lab.jobs.wait(started.jobId);
    if (job.status !== 'done') throw new Error(`harvest ${job.status}: ${job.error}`);
    const subject = await openSubject(lab.database, { harvestId: started.harvestIds[0]!, stimuli: DIGITS });
    const planner = await LesionPlanner.open(subject, { mode: 'zero', positions: 'all', seed: 0 });
    const elements = Array.from({ length: 8 }, (_, i) => i);
    const coalitions = Array.from({ length: 256 }, (_, mask) => coalitionFromMask(mask, 8));
    const evaluations = 256 * DIGITS;
    const group = groupSize(subject.values.data.length);
    const batched = lesionGame(planner, elements, 'accuracy', { group });
    const single = lesionGame(planner, elements, 'accuracy', { group: 1 });
    // The bare loop: the cut suffix fed values already edited, `group` coalitions × N stimuli per run (or one
    // stimulus per run where the model's batch is fixed at 1, as the lab must do too).
    const suffix = await createSession(serializeModel(await cutModelWithProbe(parseModel(readFileSync(modelPath), label), tensor)));
    const fixedOne = subject.runner.suffixFixedBatch;
    const unitShape = subject.values.dims.slice(1);
    const size = subject.values.data.length / DIGITS;
    const rowsPerRun = fixedOne ? 1 : group * DIGITS;
    const block = new Float32Array(rowsPerRun * size);
    for (let r = 0; r < rowsPerRun; r++) block.set(subject.values.data.subarray((r % DIGITS) * size, ((r % DIGITS) + 1) * size), r * size);
    const feed = new ort.Tensor('float32', block, [rowsPerRun, ...unitShape]);
    const bare = async () => {
      const t0 = performance.now();
      for (let done = 0; done < evaluations; done += rowsPerRun) await suffix.run({ [suffix.inputNames[0]!]: feed });
      return evaluations / ((performance.now() - t0) / 1000);
    };
    const rate = async (game: typeof batched) => {
      const t0 = performance.now();
      await game.values(coalitions);
      return evaluations / ((performance.now() - t0) / 1000);
    };
    // Unbatched: one run per coalition and stimulus (what a loop calling the model per lesioned input does), timed
    // over the first 8 coalitions and all stimuli.
    const perStimulus = async () => {
      const t0 = performance.now();
      const size = subject.values.data.length / DIGITS;
      for (const c of coalitions.slice(0, 8)) {
        const lesion = planner.intervention(elements.filter((_, i) => !c[i]));
        for (let i = 0; i < DIGITS; i++) await subject.runner.evaluateLesionSets({ data: subject.values.data.subarray(i * size, (i + 1) * size), dims: [1, ...unitShape] }, [lesion]);
      }
      return (8 * DIGITS) / ((performance.now() - t0) / 1000);
    };
    let best = { batched: 0, single: 0, bare: 0, unbatched: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      best = { batched: Math.max(best.batched, await rate(batched)), single: Math.max(best.single, await rate(single)), bare: Math.max(best.bare, await bare()), unbatched: Math.max(best.unbatched, await perStimulus()) };
    }
    const note = `groups of ${group} coalition(s) × ${DIGITS} stimuli per run${fixedOne ? `; ${label}'s batch is fixed at 1 in the file, so the bare loop runs its suffix one stimulus at a time, while the lab's fused lesion graph frees the batch (checked against row-by-row runs)` : ''}`;
    return [
      { name: `lesions ${label}: MSA evaluations, batched vs one run per coalition × stimulus`, value: best.batched, unit: 'evals/s', reference: 'one run per coalition × stimulus', referenceValue: best.unbatched, ratio: best.batched / best.unbatched, goal: '≥ 5×' },
      { name: `lesions ${label}: MSA evaluations, batched vs one run per coalition`, value: best.batched, unit: 'evals/s', reference: 'one run per coalition', referenceValue: best.single, ratio: best.batched / best.single, goal: '', note },
      { name: `lesions ${label}: MSA evaluations vs bare ORT suffix loop`, value: best.batched, unit: 'evals/s', reference: 'bare suffix loop, same batch', referenceValue: best.bare, ratio: best.batched / best.bare, goal: '≥ 0.8×' },
    ];
  } finally {
    await lab.shutdown();
  }
}

export async function benchLesions(): Promise<Row[]> {
  return [
    ...(await benchModel('MNIST MLP hidden1', join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx'), 'hidden1', 1)),
    ...(await benchModel('mnist-8 conv1', fixtureModels.mnist8(), 'ReLU32_Output_0', 1)),
  ];
}
