// A receptive-field run sent to a report (#11 item 5): the planted LN network's three units mapped by STA over white
// noise; the section draws every unit's filter (red positive, blue negative) with its held-out EV, survives the run
// being deleted from the project, and bad requests are one sentence each with nothing written.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';
import { PNG } from 'pngjs';
import { tempDir } from '../helpers/fixtures';
import { harvest, planted, revcorr, SIDE, writePlantedModel } from './revcorr-helpers';

const dir = tempDir('cajal-revcorr-report-');
const lab = new Lab(() => undefined);
const router = createRouter(lab, 'direct');
const call = <T>(m: string, p: unknown) => router.call(m, p) as Promise<T>;
let harvestId = 0;

before(async () => {
  lab.openProject({ path: join(dir, 'rf.cajal'), create: true });
  const noise = { kind: 'noise', distribution: 'gaussian', count: 6000, itemShape: [1, 28, 28], seed: 2, mean: 0, std: 1 };
  [harvestId] = await harvest(lab, router, writePlantedModel(dir), ['ln'], noise);
});
after(() => lab.shutdown());

test('a receptive-field run becomes a report section: one filter picture per unit, its sign and EV, kept after the run is gone', { timeout: 300_000 }, async () => {
  const got = await revcorr(lab, router, { harvestId, units: [0, 1, 2], estimator: 'sta', transform: { kind: 'rectified' } });
  const sent = await call<{ report: { id: number; sections: { kind: string; title: string }[] } }>('reports.addRevcorrRun', { reportId: null, runId: got.run.id });
  assert.deepEqual(sent.report.sections.map((s) => s.kind), ['revcorr']);
  assert.match(sent.report.sections[0]!.title, /Receptive fields \(STA\) of 3 units of ln/);
  lab.database.prepare('DELETE FROM revcorr_runs WHERE id = ?').run(got.run.id);
  const { html } = await call<{ html: string }>('reports.render', { id: sent.report.id });
  const images = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" alt="filter of unit (\d)"/g)];
  assert.equal(images.length, 3);
  // The ON unit's picture is red where its filter is positive, the OFF unit's is blue there.
  const peak = planted.on.reduce((best, v, i) => (v > planted.on[best]! ? i : best), 0);
  const colourAt = (b64: string) => {
    const png = PNG.sync.read(Buffer.from(b64, 'base64'));
    const k = png.width / SIDE;
    const x = Math.floor(((peak % SIDE) + 0.5) * k);
    const y = Math.floor((Math.floor(peak / SIDE) + 0.5) * k);
    const at = (y * png.width + x) * 4;
    return { r: png.data[at]!, b: png.data[at + 2]! };
  };
  const on = colourAt(images[0]![1]!);
  const off = colourAt(images[1]![1]!);
  assert.ok(on.r > 200 && on.b < 120, `ON unit at the filter's peak: ${JSON.stringify(on)}`);
  assert.ok(off.b > 200 && off.r < 120, `OFF unit at the filter's peak: ${JSON.stringify(off)}`);
  assert.match(html, /LN EV \(held out\)/);
  // The EV is printed to three places without trailing zeros (0.740 shows as 0.74).
  const evs = [...html.matchAll(/<br \/>EV (-?\d(?:\.\d{1,3})?)</g)].map((m) => Number(m[1]));
  assert.equal(evs.length, 3);
  assert.ok(evs[0]! > 0.5, `ON unit's held-out EV ${evs[0]}`);
});

test('sending a receptive-field run: unknown run, unknown report, unfinished run — one sentence each, nothing written', async () => {
  const sections = () => (lab.database.prepare('SELECT count(*) AS n FROM report_sections').get() as { n: number }).n;
  const before = sections();
  await assert.rejects(call('reports.addRevcorrRun', { reportId: null, runId: 999 }), /There is no receptive-field run 999 in this project/);
  await assert.rejects(call('reports.addRevcorrRun', { reportId: 999, runId: 1 }), /no report 999/i);
  const pending = Number(lab.database.prepare("INSERT INTO revcorr_runs (harvest_id, estimator, units_json, params_json, item_shape_json, status) VALUES (?, 'sta', '[0]', '{}', '[1,28,28]', 'running')").run(harvestId).lastInsertRowid);
  await assert.rejects(call('reports.addRevcorrRun', { reportId: null, runId: pending }), /is running; only a finished run/);
  assert.equal(sections(), before);
});
