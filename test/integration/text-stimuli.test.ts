// `cajal stimuli --stimuli text:…` (#13) stores a text stimulus set in a real project file; bad input is refused in
// one sentence before the project file exists.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { commands } from '../../main/cli/commands';
import { writeBpeTokenizer } from '../unit/text/bpe-fixture';

const dir = mkdtempSync(join(tmpdir(), 'cajal-text-int-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

it('stores a text stimulus set (JSONL, BPE tokenizer.json) in a project', async () => {
  const jsonl = join(dir, 'docs.jsonl');
  writeFileSync(jsonl, ['the other one', 'مرحبا 👋 the end', 'x'].map((t, i) => JSON.stringify({ id: i, body: t })).join('\n'));
  const tok = writeBpeTokenizer(join(dir, 'tok.json'));
  const project = join(dir, 'a.cajal');
  const rc = await quiet(() => commands.stimuli!.run({ project, stimuli: `text:${jsonl}?field=body&tokenizer=${tok}&context=4&stride=2&positions=2` }, []));
  assert.equal(rc, 0);
  const db = new Database(project, { readonly: true });
  try {
    const sets = db.prepare('SELECT * FROM stimulus_sets').all() as Record<string, unknown>[];
    assert.equal(sets.length, 1);
    const spec = JSON.parse(String(sets[0]!.spec_json)) as Record<string, unknown>;
    assert.deepEqual(spec, { kind: 'text', path: jsonl, field: 'body', tokenizer: tok, contextLength: 4, stride: 2, positionsPerContext: 2, seed: 0 });
    assert.ok(Number(sets[0]!.count) >= 3);
  } finally {
    db.close();
  }
});

it('refuses bad text input in one sentence and writes no project', async () => {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'blob.dat'), Buffer.from([1, 2, 0, 3]));
  writeFileSync(join(dir, 'bad.jsonl'), '{"body":"ok"}\nnot json\n');
  const odd = writeBpeTokenizer(join(dir, 'odd.json'), 'Mystery');
  writeFileSync(join(dir, 'plain.txt'), 'hello');
  const cases: [string, RegExp][] = [
    [`text:${bin}`, /^blob\.dat is a binary file/],
    [`text:${join(dir, 'bad.jsonl')}?field=body`, /^Line 2 of bad\.jsonl is not JSON\.$/],
    [`text:${join(dir, 'bad.jsonl')}?field=text`, /^Line 1 of bad\.jsonl has no text field "text"\.$/],
    [`text:${join(dir, 'plain.txt')}?tokenizer=${odd}`, /model type "Mystery"/],
  ];
  for (const [stimuli, message] of cases) {
    const project = join(dir, 'never.cajal');
    await assert.rejects(commands.stimuli!.run({ project, stimuli }, []), { message });
    assert.equal(existsSync(project), false, `${stimuli} wrote a project`);
  }
});
