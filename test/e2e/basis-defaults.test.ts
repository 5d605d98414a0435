// One set of basis defaults (issue #9): a basis fitted from the UI's fit form left at its defaults and one fitted by
// the CLI with no parameters store the same parameters — for PCA (whose component count the data decides) and for a
// TopK SAE (where the form once offered 2,000 steps of 256 rows and 4·d latents against the engine's 10,000, 1,024
// and 8·d). Real server, real Chromium, the real CLI on the same project file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeNpy } from '../../main/io/npy';
import { Rng } from '../../main/util/random';
import { runCli } from '../helpers/cli';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';

let lab: E2eLab | null = null;
const PROJECT = 'e2e-defaults.cajal';

before(async () => {
  lab = await startE2eLab('cajal-e2e-defaults-', PROJECT);
});

after(async () => {
  await lab?.close();
});

interface Basis {
  id: number;
  method: string;
  params: Record<string, unknown>;
  seed: number;
  status: string;
}

async function fitFromForm(p: Page, method: string): Promise<Basis> {
  const before = new Set((await lab!.api<Basis[]>('bases.list', {})).map((b) => b.id));
  await p.selectOption(tid('basis-method'), method);
  await p.click(tid('basis-fit'));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const fresh = (await lab!.api<Basis[]>('bases.list', {})).filter((b) => !before.has(b.id));
    if (fresh.length) return fresh[0]!;
    if (Date.now() > deadline) throw new Error(`the ${method} fit started from the form never appeared`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function fitFromCli(harvestId: number, method: string): Promise<Basis> {
  const r = await runCli(['fit', '--project', join(lab!.dir, PROJECT), '--harvest', String(harvestId), '--method', method, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { basis: Basis }).basis;
}

test('a fit from the UI form with its defaults stores the same parameters as a CLI fit with its defaults', { timeout: 300_000 }, async () => {
  // 300 rows × 4 non-negative units, imported: small enough for the engine's full default SAE run.
  const rows = 300;
  const d = 4;
  const rng = new Rng(5);
  const x = Float32Array.from({ length: rows * d }, () => Math.abs(rng.normal()));
  const npy = join(lab!.dir, 'acts.npy');
  writeFileSync(npy, writeNpy(x, [rows, d]));
  const harvest = await lab!.api<{ id: number }>('harvests.importNpy', { path: npy });

  const p = lab!.page;
  await p.goto(lab!.url);
  await p.click(tid('rail-bases'));
  await p.locator(`${tid('bases-harvest-item')}.active`).waitFor({ timeout: 15_000 });
  // The form's defaults are the engine's: the SAE fields show 8·d latents, 10,000 steps of 1,024 rows.
  await p.selectOption(tid('basis-method'), 'sae-topk');
  await p.locator(tid('param-steps')).waitFor({ timeout: 15_000 });
  assert.equal(await p.inputValue(tid('param-nFeatures')), String(8 * d));
  assert.equal(await p.inputValue(tid('param-steps')), '10000');
  assert.equal(await p.inputValue(tid('param-batchSize')), '1024');
  assert.equal(await p.inputValue(tid('param-k')), '32');

  for (const method of ['pca', 'sae-topk']) {
    const ui = await fitFromForm(p, method);
    const cli = await fitFromCli(harvest.id, method);
    assert.equal(ui.method, method);
    assert.equal(cli.method, method);
    assert.equal(ui.seed, cli.seed);
    assert.deepEqual(ui.params, cli.params, `${method}: UI and CLI store the same parameters`);
    if (method === 'sae-topk') {
      assert.equal(cli.params.nFeatures, 8 * d);
      assert.equal(cli.params.steps, 10000);
      assert.equal(cli.params.batchSize, 1024);
    }
  }
  assert.deepEqual(lab!.pageErrors, []);
});
