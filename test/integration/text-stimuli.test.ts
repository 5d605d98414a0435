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
import { buildTinyTransformer } from '../unit/text/tiny-transformer';
import { createRouter } from '../../main/api/router';
import { Lab } from '../../main/services/lab';

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

it('refuses a text harvest of a tensor without token positions, in shards or with other input values, and writes no harvest', async () => {
  writeFileSync(join(dir, 'doc.txt'), 'the other one');
  const modelPath = join(dir, 'tiny.onnx');
  writeFileSync(modelPath, buildTinyTransformer({ vocab: 256, length: 8, withMask: false, withPositions: false }).bytes);
  const spec = `text:${join(dir, 'doc.txt')}?context=8`;
  const never = join(dir, 'harvest-never.cajal');
  await assert.rejects(commands.harvest!.run({ project: never, model: modelPath, tensor: ['keys_t'], stimuli: spec }, []), { message: /^Tensor keys_t has shape \[1, 6, 8\], not \[batch, 8, …\], so it has no value per token position\.$/ });
  assert.equal(existsSync(never), false);

  const project = join(dir, 'b.cajal');
  const lab = new Lab(() => undefined, {});
  lab.openProject({ path: project, create: true });
  try {
    const router = createRouter(lab, 'direct');
    const model = (await router.call('models.open', { path: modelPath })) as { id: number };
    const set = (await router.call('stimuli.create', { spec: { kind: 'text', path: join(dir, 'doc.txt'), tokenizer: 'bytes', contextLength: 8, stride: 8, positionsPerContext: 4, seed: 0 } })) as { id: number };
    await assert.rejects(router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden'], shard: { index: 1, count: 2 } }), { message: /^Stimulus set \d+ is text, and text harvests are not recorded in shards; record it whole\.$/ });
    await assert.rejects(router.call('harvests.start', { modelId: model.id, stimulusSetId: set.id, tensors: ['mlp_hidden'], inputs: { token_type_ids: 'zeros' } }), { message: /^A text harvest feeds input_ids, attention_mask and position_ids itself, so it takes no other input values \(token_type_ids\)\.$/ });
  } finally {
    await lab.shutdown();
  }
  const db = new Database(project, { readonly: true });
  try {
    assert.equal((db.prepare('SELECT count(*) AS n FROM harvests').get() as { n: number }).n, 0);
    assert.equal((db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n, 0);
  } finally {
    db.close();
  }
});
