// The MSA coalition cache in a real project file: a sample cancelled mid-way keeps every batch it finished; reopened,
// the same game resumes from them (fewer evaluations) and reaches the values of an uninterrupted run; a different
// game definition gets its own values.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { functionGame, type Game } from '../../main/lesions/game';
import { cachedGame } from '../../main/lesions/shapley/cache';
import { sampleShapley } from '../../main/lesions/shapley/sampling';
import { openProjectDb } from '../../main/store/project';
import { cachedCoalitionCount, canonicalJson, shapleyGameId, sqliteCoalitionStore } from '../../main/store/shapley';
import { tempDir } from '../helpers/fixtures';

const w = [3, 1, 4, 1, 5, 9, 2, 6];
const base = functionGame(
  w.map((_, i) => `u${i}`),
  (c) => Math.sqrt(w.reduce((s, x, i) => s + x * c[i]!, 0)),
);

test('a cancelled MSA resumes from the coalitions stored in the project file', async () => {
  const path = join(tempDir(), 'msa.cajal');
  const definition = { basis: 1, features: [0, 1, 2, 3, 4, 5, 6, 7], game: 'accuracy', mode: 'zero' };
  let evaluated = 0;
  const ac = new AbortController();
  const counting = (abortAfter: number): Game => ({
    ...base,
    values: async (cs, signal) => {
      signal?.throwIfAborted();
      evaluated += cs.length;
      const v = await base.values(cs);
      if (evaluated >= abortAfter) ac.abort();
      return v;
    },
  });

  let db = openProjectDb(path, { create: true });
  const id = shapleyGameId(db, definition, 8);
  await assert.rejects(
    sampleShapley(cachedGame(counting(60), sqliteCoalitionStore(db, id)), {
      maxPermutations: 80,
      batch: 4,
      seed: 9,
      signal: ac.signal,
    }),
    /abort/i,
  );
  const stored = cachedCoalitionCount(db, id);
  assert.equal(stored, evaluated, 'every evaluated coalition was stored before the cancel');
  db.close();

  db = openProjectDb(path);
  assert.equal(shapleyGameId(db, { mode: 'zero', game: 'accuracy', features: definition.features, basis: 1 }, 8), id);
  evaluated = 0;
  const resumed = await sampleShapley(cachedGame(counting(Infinity), sqliteCoalitionStore(db, id)), {
    maxPermutations: 80,
    batch: 4,
    seed: 9,
  });
  const fresh = await sampleShapley(base, { maxPermutations: 80, batch: 4, seed: 9 });
  assert.deepEqual(Array.from(resumed.values), Array.from(fresh.values));
  assert.equal(cachedCoalitionCount(db, id), stored + evaluated);
  assert.ok(evaluated < cachedCoalitionCount(db, id), 'the resumed run evaluated only what was missing');
  const other = shapleyGameId(db, { ...definition, game: 'loss' }, 8);
  assert.notEqual(other, id);
  assert.equal(cachedCoalitionCount(db, other), 0);
  db.close();
  assert.equal(canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' }), '{"a":"x","b":[1,{"c":3,"d":2}]}');
});
