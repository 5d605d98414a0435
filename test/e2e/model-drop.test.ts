// Dropping .onnx files on the Models panel, in the browser served by `cajal serve`: each file is uploaded
// (POST /api/upload), opened as a model under its own name and inspected; a file that is not an ONNX model is
// refused in a sentence on the page, and nothing else is added.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixtureModels } from '../helpers/fixtures';

let lab: E2eLab | null = null;
before(async () => {
  lab = await startE2eLab('cajal-e2e-drop-', 'drop.cajal');
});
after(async () => {
  await lab?.close();
});

/** Drops files (name → bytes) on the Models panel as a user's drag and drop would. */
async function drop(files: { name: string; bytes: Buffer }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, base64: f.bytes.toString('base64') }));
  await lab!.page.evaluate((items) => {
    const dt = new DataTransfer();
    for (const it of items) {
      const raw = atob(it.base64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      dt.items.add(new File([bytes], it.name, { type: 'application/octet-stream' }));
    }
    const target = document.querySelector('.models')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}

test('models: a dropped .onnx file is uploaded, opened under its own name and inspected; a dropped text file is refused in words', { timeout: 120_000 }, async () => {
  const p = lab!.page;
  await p.goto(lab!.url);
  await p.locator(tid('models-empty')).waitFor({ timeout: 30_000 });

  await drop([{ name: 'cifar10-cnn.onnx', bytes: readFileSync(fixtureModels.cifar10()) }]);
  const item = p.locator(tid('model-item'), { hasText: 'cifar10-cnn.onnx' });
  await item.waitFor({ timeout: 60_000 });
  await p.locator(tid('model-title')).waitFor();
  assert.ok(Number(await p.locator(tid('tensor-table')).getAttribute('data-rows')) > 5, 'its tensors are listed');
  const models = await lab!.api<{ name: string; sha256: string }[]>('models.list', {});
  assert.deepEqual(models.map((m) => m.name), ['cifar10-cnn.onnx']);

  await drop([{ name: 'notes.onnx', bytes: Buffer.from('these are my notes, not a model\n') }]);
  const notice = p.locator(tid('notice'), { hasText: /notes\.onnx|ONNX|protobuf|model/i }).first();
  await notice.waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await notice.innerText(), /\n\s+at |Error:/, 'a sentence, not a stack trace');
  assert.equal((await lab!.api<unknown[]>('models.list', {})).length, 1, 'the refused file added nothing');
  await p.screenshot({ path: join(artifactsDir, 'e2e-model-drop.png') });
  // The refused call's 400 is the one line the browser logs; anything else would be a fault of the page.
  assert.deepEqual(lab!.pageErrors.filter((e) => !/status of 400 \(Bad Request\)/.test(e)), []);
});
