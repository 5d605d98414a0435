// Issue #8 item 2 in the app: a speech-like model (inputs `input` [batch, sequence] float, `sr` int64 scalar, `h`
// float [2, batch, 4]) harvested from the UI. The Harvest form asks a value for `sr` and `h`; started without them the
// lab names them in one sentence; with them the harvest records 24 rows and its view shows the values it used.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { HarvestInfo } from '../../main/api/contract';
import { GraphBuilder } from '../../main/onnx/builder';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir } from '../helpers/fixtures';

let lab: E2eLab | null = null;
let page: Page | null = null;
let url = '';
let pageErrors: string[] = [];

before(async () => {
  lab = await startE2eLab('cajal-e2e-i8-inputs-', 'inputs.cajal');
  ({ page, url, pageErrors } = lab);
});

after(async () => {
  await lab?.close();
});

function speechModel(): Uint8Array {
  const b = new GraphBuilder({ name: 'speech-like' });
  const x = b.input('input', 'float32', ['batch', 'sequence']);
  const sr = b.input('sr', 'int64', []);
  const h = b.input('h', 'float32', [2, 'batch', 4]);
  const feat = b.matmul(x, b.initializer('w', Float32Array.from({ length: 64 * 4 }, (_, i) => Math.cos(i)), [64, 4]), 'feat');
  const rate = b.mul(b.op('Cast', [sr], { to: 1 }, { output: 'sr_float' }), b.scalar(1e-4), 'rate');
  const state = b.op('ReduceSum', [h, b.constant(BigInt64Array.of(0n), [1], 'int64')], { keepdims: 0 }, { output: 'state' });
  const hidden = b.op('Tanh', [b.add(b.add(feat, rate), state)], {}, { output: 'hidden' });
  b.output(b.reduce('ReduceSum', hidden, [1], false, 'score'), 'float32', ['batch']);
  return b.toBytes();
}

test('the Harvest form takes a value for every other model input, and the harvest shows them', { timeout: 300_000 }, async () => {
  const modelPath = join(lab!.dir, 'speech.onnx');
  writeFileSync(modelPath, speechModel());
  const p = page!;
  await p.goto(url);
  await p.fill(tid('model-path'), modelPath);
  await p.click(tid('model-open'));
  await p.locator(tid('model-title')).waitFor({ timeout: 60_000 });

  await p.click(tid('rail-stimuli'));
  await p.click(tid('stim-kind-noise'));
  await p.fill(tid('stim-count'), '24');
  await p.fill(tid('stim-item-shape'), '64');
  await p.fill(tid('stim-name'), 'audio noise');
  await p.click(tid('stim-create'));
  await p.locator(tid('stim-item')).first().waitFor({ timeout: 60_000 });

  await p.click(tid('rail-harvests'));
  await p.locator(tid('harvest-model-inputs')).waitFor({ timeout: 30_000 });
  await p.fill(tid('harvest-tensor-input'), 'hidden');
  await p.click(tid('harvest-tensor-add'));
  await p.locator(tid('harvest-tensor-chip'), { hasText: 'hidden' }).waitFor();
  await p.click(tid('harvest-start'));
  const error = p.locator(tid('harvest-error'));
  await error.waitFor({ timeout: 30_000 });
  assert.equal(
    await error.innerText(),
    'The model also needs inputs sr (int64 scalar), h (float32 [2,batch,4]); give each a value (Model inputs in the Harvest form, --input NAME=VALUE on the command line).',
  );

  await p.fill(tid('harvest-input-sr'), '16000');
  await p.fill(tid('harvest-input-h'), 'zeros');
  await p.click(tid('harvest-start'));
  await p.locator(`${tid('harvest-item')}[data-status="done"]`).waitFor({ timeout: 120_000 });
  const shown = p.locator(tid('harvest-inputs'));
  await shown.waitFor({ timeout: 30_000 });
  assert.equal((await shown.innerText()).trim(), 'sr=16000 h=zeros');
  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'e2e-i8-model-inputs.png') });

  const harvests = await lab!.api<HarvestInfo[]>('harvests.list', {});
  assert.equal(harvests.length, 1);
  assert.equal(harvests[0]!.rowsDone, 24);
  assert.deepEqual(harvests[0]!.inputs, { sr: '16000', h: 'zeros' });
  assert.deepEqual(pageErrors.filter((e) => !/Failed to load resource/.test(e)), []);
});
