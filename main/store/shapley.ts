// MSA coalition values in the project file (migration "shapley"): a game is identified by its full definition
// (canonical JSON: layer, elements, lesion, performance measure, stimuli), and each coalition's value is stored the
// moment its batch is evaluated, so a cancelled run loses nothing and a later, larger sample reads it back.
import type { CoalitionStore } from '../lesions/shapley/cache';
import type { Db } from './project';

/** JSON with object keys sorted, so one definition always gives one string. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function shapleyGameId(db: Db, definition: unknown, players: number): number {
  const text = canonicalJson(definition);
  db.prepare('INSERT OR IGNORE INTO shapley_games (definition, players) VALUES (?, ?)').run(text, players);
  return (db.prepare('SELECT id FROM shapley_games WHERE definition = ?').get(text) as { id: number }).id;
}

export function cachedCoalitionCount(db: Db, gameId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM shapley_coalitions WHERE game_id = ?').get(gameId) as { n: number }).n;
}

/** A CoalitionStore backed by the project file for one game. */
export function sqliteCoalitionStore(db: Db, gameId: number): CoalitionStore {
  const select = db.prepare('SELECT value FROM shapley_coalitions WHERE game_id = ? AND coalition = ?');
  const insert = db.prepare('INSERT OR REPLACE INTO shapley_coalitions (game_id, coalition, value) VALUES (?, ?, ?)');
  const putAll = db.transaction((entries: ReadonlyArray<readonly [string, number]>) => {
    for (const [k, v] of entries) insert.run(gameId, k, v);
  });
  return {
    get(keys) {
      const found = new Map<string, number>();
      for (const k of keys) {
        const row = select.get(gameId, k) as { value: number } | undefined;
        if (row) found.set(k, row.value);
      }
      return found;
    },
    put: (entries) => putAll(entries),
  };
}
