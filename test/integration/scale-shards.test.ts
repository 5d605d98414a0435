// Sharded harvests (#14 item 3, room: scale): two shards of the bundled MLP's two hidden layers over 1,000 digits are
// recorded by two CLI processes at once, and a single harvest of the same stimuli by a third; `cajal merge` (a fourth
// process, shards named out of order) joins the shards, and the merged harvest equals the single one chunk for chunk
// (activation bytes, row metadata, chunk layout) and statistic for statistic (unit_stats rows, exactly). A PCA fit,
// an .npy export and a unit's top stimuli then read it as they read the single harvest. Shards of another model,
// other tensors, another recipe or another stimulus set, a missing shard and a shard given twice are refused in one
// sentence, and the target project is left as it was (absent, or byte for byte unchanged).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { BasisInfo, Result } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { UserError } from '../../main/errors';
import { mergeShardFiles } from '../../main/harvest/merge';
import { Lab } from '../../main/services/lab';
import { fileDigest, runCli } from '../helpers/cli';
import { fixtureModels, repoRoot, tempDir } from '../helpers/fixtures';

const MLP = join(repoRoot, 'resources', 'models', 'mnist-mlp.onnx');
const dir = tempDir('cajal-shards-');
const at = (name: string) => join(dir, name);
const harvestArgs = (project: string, ...extra: string[]) => [
  'harvest', '--project', project, '--model', MLP, '--tensor', 'hidden1', '--tensor', 'hidden2', '--stimuli', 'mnist', '--scale', '1',
  '--limit', '1000', '--batch', '32', '--chunk-rows', '128', '--json', ...extra,
];

const labs: Lab[] = [];
after(async () => {
  for (const l of labs) await l.shutdown();
});

function openLab(path: string) {
  const lab = new Lab(() => undefined);
  labs.push(lab);
  lab.openProject({ path, create: true });
  const router = createRouter(lab, 'direct');
  return { lab, call: <T>(m: string, p: unknown) => router.call(m, p) as Promise<T> };
}

/** A shard recorded in this process (quicker than a CLI process) for the refusals. */
async function recordShard(path: string, opts: { model?: string; tensors?: string[]; storage?: 'float16'; stimuli?: { count: number } }) {
  const { lab, call } = openLab(path);
  const model = await call<Result<'models.open'>>('models.open', { path: opts.model ?? MLP });
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const set = await call<Result<'stimuli.create'>>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: opts.stimuli?.count ?? 10000, order: 'interleaved', recipe } });
  const started = await call<Result<'harvests.start'>>('harvests.start', {
    modelId: model.id, stimulusSetId: set.id, tensors: opts.tensors ?? ['hidden1', 'hidden2'], positions: 'centre', limit: 1000, batchSize: 32, chunkRows: 128,
    shard: { index: 1, count: 2 }, ...(opts.storage ? { storage: opts.storage } : {}),
  });
  assert.equal((await lab.jobs.wait(started.jobId)).status, 'done');
}

interface Chunk { chunk_index: number; first_row: number; row_count: number; data: Buffer; row_meta: Buffer }
function snapshot(path: string, harvestId: number) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return {
      harvest: db.prepare('SELECT tensor, tensor_shape_json, positions, dim, rows_per_item, items_expected, rows_expected, rows_done, chunk_rows, status FROM harvests WHERE id = ?').get(harvestId),
      chunks: db.prepare('SELECT chunk_index, first_row, row_count, data, row_meta FROM activation_chunks WHERE harvest_id = ? ORDER BY chunk_index').all(harvestId) as Chunk[],
      stats: db.prepare('SELECT unit, mean, std, min, max, frac_active FROM unit_stats WHERE harvest_id = ? ORDER BY unit').all(harvestId),
      // scale (#18): the copy of the row metadata the cards read
      metaCopy: db.prepare('SELECT chunk_index, first_row, row_count, row_meta FROM activation_row_meta WHERE harvest_id = ? ORDER BY chunk_index').all(harvestId),
      items: db.prepare('SELECT i.idx, i.label, i.name FROM stimulus_items i JOIN harvests h ON h.stimulus_set_id = i.set_id WHERE h.id = ? ORDER BY i.idx').all(harvestId),
    };
  } finally {
    db.close();
  }
}

before(async () => {
  // Two shards and the single harvest, three processes at once.
  const runs = await Promise.all([
    runCli(harvestArgs(at('shard-0.cajal'), '--shard', '0/2')),
    runCli(harvestArgs(at('shard-1.cajal'), '--shard', '1/2')),
    runCli(harvestArgs(at('single.cajal'))),
  ]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const rows = runs.map((r) => (JSON.parse(r.stdout) as { harvests: { rows: number }[] }).harvests[0]!.rows);
  // 1,000 digits at 128 a chunk make 8 chunks: shard 0 records chunks 0–3 (512 digits), shard 1 chunks 4–7.
  assert.deepEqual(rows, [512, 488, 1000]);
});

test('two shards recorded by two processes and merged equal a single harvest, row for row and statistic for statistic', { timeout: 300_000 }, async () => {
  const merged = await runCli(['merge', '--into', at('merged.cajal'), at('shard-1.cajal'), at('shard-0.cajal'), '--json']);
  assert.equal(merged.code, 0, merged.stderr);
  const result = JSON.parse(merged.stdout) as { shards: number; harvests: { id: number; tensor: string; rows: number; chunks: number }[] };
  assert.equal(result.shards, 2);
  assert.deepEqual(result.harvests.map((h) => [h.tensor, h.rows, h.chunks]), [['hidden1', 1000, 8], ['hidden2', 1000, 8]]);
  for (const [k, h] of result.harvests.entries()) {
    const one = snapshot(at('single.cajal'), k + 1);
    const got = snapshot(at('merged.cajal'), h.id);
    assert.deepEqual(got.harvest, one.harvest);
    assert.equal(got.chunks.length, one.chunks.length);
    got.chunks.forEach((c, i) => {
      const o = one.chunks[i]!;
      assert.deepEqual([c.chunk_index, c.first_row, c.row_count], [o.chunk_index, o.first_row, o.row_count], `chunk ${i} layout`);
      assert.ok(c.data.equals(o.data), `${h.tensor} chunk ${i}: activation bytes`);
      assert.ok(c.row_meta.equals(o.row_meta), `${h.tensor} chunk ${i}: row metadata (stimulus, label, position)`);
    });
    assert.equal(got.metaCopy.length, got.chunks.length, 'the merge wrote the row metadata copy of every chunk');
    assert.deepEqual(got.metaCopy, one.metaCopy, 'and it equals the single harvest\'s');
    assert.equal(got.stats.length, h.tensor === 'hidden1' ? 256 : 128);
    assert.deepEqual(got.stats, one.stats, `${h.tensor}: unit statistics, exactly`);
    assert.deepEqual(got.items, one.items, 'stimulus items (names, labels)');
  }

  // Readers see an ordinary harvest: PCA, an .npy export, a unit's top stimuli.
  const views = [];
  for (const path of [at('single.cajal'), at('merged.cajal')]) {
    const { call, lab } = openLab(path);
    const fit = await call<{ jobId: number; basisId: number }>('bases.fit', { harvestId: 1, method: 'pca', params: { nFeatures: 16 } });
    assert.equal((await lab.jobs.wait(fit.jobId)).status, 'done');
    const basis = (await call<BasisInfo[]>('bases.list', {})).find((b) => b.id === fit.basisId)!;
    const npy = join(dir, `${path.endsWith('merged.cajal') ? 'merged' : 'single'}.npy`);
    await call('export.write', { what: 'activations', format: 'npy', harvestId: 1, out: npy });
    const top = await call<Result<'harvests.top'>>('harvests.top', { harvestId: 1, unit: 7, k: 5, order: 'top' });
    views.push({ ev: basis.quality!.explainedVariance!, npy: readFileSync(npy), top: top.map((t) => [t.row, t.stimulusIndex, t.label, t.activation]) });
  }
  assert.ok(views[1]!.ev > 0.5, `PCA(16) EV on the merged harvest: ${views[1]!.ev}`);
  assert.equal(views[1]!.ev, views[0]!.ev, 'PCA explained variance');
  assert.ok(views[1]!.npy.equals(views[0]!.npy), 'exported .npy');
  assert.deepEqual(views[1]!.top, views[0]!.top, 'top stimuli');
  console.log(`merged 2 shards: 1,000 rows × (256, 128) units in 8 chunks each, identical to one harvest; PCA(16) EV ${views[1]!.ev.toFixed(6)} on both`);
});

test('mismatched, missing and duplicated shards are refused in one sentence and nothing is written', { timeout: 300_000 }, async () => {
  await recordShard(at('other-model.cajal'), { model: fixtureModels.mnist8(), tensors: ['ReLU114_Output_0'] });
  await recordShard(at('other-tensors.cajal'), { tensors: ['hidden1'] });
  await recordShard(at('other-recipe.cajal'), { storage: 'float16' });
  await recordShard(at('other-stimuli.cajal'), { stimuli: { count: 2000 } });
  copyFileSync(at('shard-0.cajal'), at('shard-0-copy.cajal'));
  // An existing target must stay byte for byte as it was; an absent one must not appear.
  copyFileSync(at('single.cajal'), at('existing.cajal'));
  const before = fileDigest(at('existing.cajal'));
  const s0 = at('shard-0.cajal');
  const cases: [string[], RegExp][] = [
    [[s0, at('other-model.cajal')], /were recorded from different models \(mnist-mlp\.onnx, SHA-256 [0-9a-f]{12}…, and mnist-8\.onnx/],
    [[s0, at('other-tensors.cajal')], /recorded different tensors \(hidden1, hidden2, and hidden1\)/],
    [[s0, at('other-recipe.cajal')], /different recipes \(storage float32, and float16\)/],
    [[s0, at('other-stimuli.cajal')], /different stimulus sets \(count 10000, and 2000\)/],
    [[s0], /^Shard 1 of 2 is missing/],
    [[s0, at('shard-0-copy.cajal'), at('shard-1.cajal')], /^Shard 0\/2 is given twice \(shard-0\.cajal and shard-0-copy\.cajal\)/],
    [[s0, s0], /is named twice/],
  ];
  for (const [files, reason] of cases) {
    for (const into of [at('existing.cajal'), at('absent.cajal')]) {
      assert.throws(() => mergeShardFiles(into, files), (err: unknown) => {
        assert.ok(err instanceof UserError, String(err));
        assert.match(err.message, reason);
        assert.equal(err.message.split(/\.\s+[A-Z]/).length, 1, `one sentence: ${err.message}`);
        return true;
      });
    }
    assert.equal(fileDigest(at('existing.cajal')), before, 'the existing target is unchanged');
    assert.equal(existsSync(at('absent.cajal')), false, 'no target was created');
  }
  // The command line says it in one line on stderr and exits 1.
  const cli = await runCli(['merge', '--into', at('absent.cajal'), s0, at('other-recipe.cajal')]);
  assert.equal(cli.code, 1);
  assert.equal(cli.stdout, '');
  assert.match(cli.stderr, /^cajal merge: Shard 0\/2 \(shard-0\.cajal\) and shard 1\/2 \(other-recipe\.cajal\) were recorded with different recipes \(storage float32, and float16\); merge shards recorded with one recipe\.\n$/);
  assert.equal(existsSync(at('absent.cajal')), false);
});

test('an interrupted shard resumes from its last committed chunk and merges to the same harvest', { timeout: 300_000 }, async () => {
  // Shard 1 of 2 again, recorded in this process, then put in the state a kill after its second chunk leaves: chunks
  // commit atomically with rows_done, so a killed harvest holds its first chunks and the job reads as interrupted
  // (the kill itself is harvest-resume.test.ts's subject). Run again, it resumes from stimulus 512 + 256.
  const path = at('resumed-1.cajal');
  const recipe = { width: 28, height: 28, channels: 1, channelOrder: 'RGB', resize: 'center-crop', scale: 1, mean: [0], std: [1], layout: 'NCHW' };
  const start = async () => {
    const { call, lab } = openLab(path);
    const model = await call<Result<'models.open'>>('models.open', { path: MLP });
    const set = await call<Result<'stimuli.create'>>('stimuli.create', { spec: { kind: 'mnist', offset: 0, count: 10000, order: 'interleaved', recipe } });
    const started = await call<Result<'harvests.start'>>('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['hidden1', 'hidden2'], positions: 'centre', limit: 1000, batchSize: 32, chunkRows: 128, shard: { index: 1, count: 2 } });
    assert.equal((await lab.jobs.wait(started.jobId)).status, 'done');
    await lab.shutdown();
    return started;
  };
  const first = await start();
  const db = new Database(path);
  db.transaction(() => {
    db.prepare('DELETE FROM activation_chunks WHERE chunk_index >= 2').run();
    db.prepare("UPDATE harvests SET rows_done = 256, status = 'interrupted'").run();
    db.prepare('DELETE FROM unit_stats').run();
    db.prepare("UPDATE jobs SET status = 'interrupted' WHERE id = ?").run(first.jobId);
  })();
  db.close();
  const again = await start();
  assert.deepEqual([again.jobId, again.resumedFromRow], [first.jobId, 256], 'the same job resumes from its committed rows');

  mergeShardFiles(at('merged-resumed.cajal'), [at('shard-0.cajal'), path]);
  for (const id of [1, 2]) {
    const one = snapshot(at('single.cajal'), id);
    const got = snapshot(at('merged-resumed.cajal'), id);
    assert.deepEqual(got.harvest, one.harvest);
    assert.deepEqual(got.chunks.map((c) => [c.first_row, c.row_count]), one.chunks.map((c) => [c.first_row, c.row_count]));
    got.chunks.forEach((c, i) => assert.ok(c.data.equals(one.chunks[i]!.data) && c.row_meta.equals(one.chunks[i]!.row_meta), `harvest ${id} chunk ${i}`));
    assert.deepEqual(got.stats, one.stats);
  }
});
