// The job bar's Cancel, end to end in Chromium: a harvest long enough to be stopped mid-way (mnist-8's ReLU114, its
// spatial mean, over 200,000 white-noise images: chunks of 16,384 rows commit one by one) is cancelled from the job
// bar once its first chunk is in the project file. The job bar and the harvest list then say "cancelled", the
// committed rows stay (a whole number of chunks, more than none and fewer than all), and starting the same harvest
// again from the form resumes it from there — the same harvest and job — to exactly the full row count.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HarvestInfo, HarvestStats, JobInfo } from '../../main/api/contract';
import { startE2eLab, tid, type E2eLab } from '../helpers/e2e';
import { artifactsDir, fixtureModels } from '../helpers/fixtures';

const ITEMS = 200_000;
const TENSOR = 'ReLU114_Output_0'; // [1, 16, 14, 14]: d = 16 with positions = mean, one row per image
const CHUNK_ROWS = 16_384; // min(16384, 2^20 values / 16 units): the harvest commits this many rows at a time

let lab: E2eLab | null = null;

before(async () => {
  lab = await startE2eLab('cajal-e2e-cancel-', 'cancel.cajal');
});
after(async () => {
  await lab?.close();
});

/** The "rows done / rows expected" the harvest list shows for its one harvest, as numbers. */
async function listedRows(lab: E2eLab): Promise<[number, number]> {
  const text = await lab.page.locator(`${tid('harvest-item')} .l2 .num`).first().innerText();
  const m = /^([\d,]+)\s*\/\s*([\d,]+) rows$/.exec(text.trim());
  assert.ok(m, `the harvest list shows its rows: ${JSON.stringify(text)}`);
  return [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))];
}

test('cancel a running harvest from the job bar, keep its committed rows, resume it to the full count', { timeout: 300_000 }, async () => {
  const { page: p, url } = lab!;
  await p.goto(url);
  await p.locator(tid('models-empty')).waitFor({ timeout: 30_000 });

  await p.fill(tid('model-path'), fixtureModels.mnist8());
  await p.click(tid('model-open'));
  await p.locator(tid('model-title')).waitFor({ timeout: 60_000 });

  await p.click(tid('rail-stimuli'));
  await p.click(tid('stim-kind-noise'));
  await p.fill(tid('stim-count'), String(ITEMS));
  await p.fill(tid('stim-item-shape'), '1, 28, 28');
  await p.selectOption(tid('stim-distribution'), 'gaussian');
  await p.fill(tid('stim-name'), 'white noise 200k');
  await p.click(tid('stim-create'));
  await p.locator(tid('stim-item')).first().waitFor({ timeout: 60_000 });

  await p.click(tid('rail-harvests'));
  await p.fill(tid('harvest-tensor-input'), TENSOR);
  await p.click(tid('harvest-tensor-add'));
  await p.locator(tid('harvest-tensor-chip'), { hasText: TENSOR }).waitFor();
  await p.selectOption(tid('harvest-positions'), 'mean');
  await p.click(tid('harvest-start'));

  // --- Running: wait until the list shows committed rows, then Cancel in the job bar --------------------------------
  const running = p.locator(`${tid('job-bar')} ${tid('job')}[data-status="running"]`);
  await running.waitFor({ timeout: 30_000 });
  const jobId = Number(await running.getAttribute('data-job-id'));
  await p.waitForFunction(
    () => {
      const item = document.querySelector('[data-testid="harvest-item"]');
      if (item?.getAttribute('data-status') === 'done') throw new Error('the harvest finished before it could be cancelled');
      const done = /^([\d,]+)/.exec(item?.querySelector('.l2 .num')?.textContent?.trim() ?? '')?.[1];
      return done !== undefined && Number(done.replace(/,/g, '')) > 0;
    },
    undefined,
    { timeout: 120_000, polling: 100 },
  );
  await p.click(`${tid('job-bar')} ${tid('job')}[data-job-id="${jobId}"] ${tid('job-cancel')}`);

  // --- Cancelled: the job bar and the harvest list say so; the committed rows stay ---------------------------------
  const cancelledJob = p.locator(`${tid('job-bar')} ${tid('job')}[data-job-id="${jobId}"][data-status="cancelled"]`);
  await cancelledJob.waitFor({ timeout: 30_000 });
  assert.equal((await cancelledJob.locator(tid('job-status')).innerText()).trim(), 'cancelled');
  assert.equal(await cancelledJob.locator(tid('job-cancel')).count(), 0, 'no Cancel on a cancelled job');
  const item = p.locator(tid('harvest-item'));
  await p.locator(`${tid('harvest-item')}[data-status="cancelled"]`).waitFor({ timeout: 30_000 });
  assert.match(await item.locator('.pill').innerText(), /^cancelled$/);
  assert.equal(await item.count(), 1);

  const harvests = await lab!.api<HarvestInfo[]>('harvests.list', {});
  assert.equal(harvests.length, 1);
  const h = harvests[0]!;
  assert.equal(h.status, 'cancelled');
  assert.equal(h.rowsExpected, ITEMS);
  assert.ok(h.rowsDone > 0 && h.rowsDone < ITEMS, `rows kept: ${h.rowsDone} of ${ITEMS}`);
  assert.equal(h.rowsDone % CHUNK_ROWS, 0, `only whole committed chunks are kept (${h.rowsDone} rows)`);
  assert.deepEqual(await listedRows(lab!), [h.rowsDone, ITEMS], 'the list shows the kept rows');
  const jobs = await lab!.api<JobInfo[]>('jobs.list', {});
  assert.equal(jobs.find((j) => j.id === jobId)?.status, 'cancelled');
  // The kept rows are real rows in the project file: their statistics are read over exactly that many.
  const partial = await lab!.api<HarvestStats>('harvests.stats', { harvestId: h.id });
  assert.deepEqual([partial.rows, partial.dim, partial.units.length], [h.rowsDone, 16, 16]);

  mkdirSync(artifactsDir, { recursive: true });
  await p.screenshot({ path: join(artifactsDir, 'e2e-job-cancelled.png') });

  // --- Start the same harvest again: it resumes from the kept rows and finishes with all of them ------------------
  const kept = h.rowsDone;
  await p.click(tid('harvest-start'));
  await p.locator(tid('notice'), { hasText: `Resumed the harvest from row ${kept}.` }).waitFor({ timeout: 30_000 });
  await p.locator(`${tid('job-bar')} ${tid('job')}[data-job-id="${jobId}"][data-status="done"]`).waitFor({ timeout: 240_000 });
  await p.locator(`${tid('harvest-item')}[data-status="done"]`).waitFor({ timeout: 30_000 });
  assert.equal(await item.count(), 1, 'the same harvest, not a second one');
  const [after] = await lab!.api<HarvestInfo[]>('harvests.list', {});
  assert.deepEqual([after!.id, after!.jobId, after!.status, after!.rowsDone, after!.rowsExpected], [h.id, jobId, 'done', ITEMS, ITEMS]);
  await p.waitForFunction((n) => document.querySelector('[data-testid="harvest-item"] .l2 .num')?.textContent?.trim() === n, `${ITEMS.toLocaleString('en-US')} / ${ITEMS.toLocaleString('en-US')} rows`, { timeout: 30_000 });
  assert.deepEqual(await listedRows(lab!), [ITEMS, ITEMS]);
  const full = await lab!.api<HarvestStats>('harvests.stats', { harvestId: h.id });
  assert.equal(full.rows, ITEMS);
  await p.screenshot({ path: join(artifactsDir, 'e2e-job-resumed.png') });

  assert.deepEqual(lab!.pageErrors, [], `no errors in the page: ${lab!.pageErrors.join('; ')}`);
});
