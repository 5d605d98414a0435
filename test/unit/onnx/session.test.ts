import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createSession, inputDType, runFloat32 } from '../../../main/onnx/session';
import { ModelFormatError } from '../../../main/onnx/model';
import { GraphBuilder } from '../../../main/onnx/builder';
import { fixtureModels } from '../../helpers/fixtures';

test('createSession loads fixtures with a configurable thread count; runFloat32 converts float16 both ways', async () => {
  const session = await createSession(readFileSync(fixtureModels.squeezenetFp16()), { intraOpThreads: 2 });
  assert.equal(inputDType(session, 'data_0'), 'float16');
  const out = await runFloat32(session, { data_0: { data: new Float32Array(3 * 224 * 224).fill(100), dims: [1, 3, 224, 224] } });
  const probs = out.softmaxout_1!;
  assert.equal(probs.dtype, 'float16');
  assert.deepEqual(probs.dims, [1, 1000, 1, 1]);
  const total = probs.data.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 1) < 0.02, `softmax sums to ${total}`);
  await session.release();
});

test('intraOpThreads is the size of the session\'s operator thread pool (the calling thread plus n − 1 workers)', { skip: !existsSync('/proc/self/task') && 'needs /proc (Linux)' }, async () => {
  const osThreads = () => readdirSync('/proc/self/task').length;
  const bytes = readFileSync(fixtureModels.mnist8());
  // A first session starts whatever the binding itself needs (its async workers), so the counts below see only pools.
  const warm = await createSession(bytes, { intraOpThreads: 1 });
  for (const n of [1, 2, 4, 3]) {
    const before = osThreads();
    const s = await createSession(bytes, { intraOpThreads: n });
    assert.equal(osThreads() - before, n - 1, `a session asked for ${n} thread(s)`);
    await s.release();
    assert.equal(osThreads(), before, 'releasing the session ends its pool');
  }
  await warm.release();
});

test('load failures become one sentence naming the model', async () => {
  await assert.rejects(createSession(readFileSync(fixtureModels.mnist8()).subarray(0, 1000), { label: 'cut.onnx' }), (err: unknown) => {
    assert.ok(err instanceof ModelFormatError);
    assert.equal(err.code, 'model.load-failed');
    assert.match(err.message, /^ONNX Runtime could not load cut\.onnx: .+\.$/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
  // A model ORT rejects at graph level: an operator that does not exist.
  const b = new GraphBuilder();
  b.input('x', 'float32', [1]);
  b.output(b.op('NoSuchOp', ['x']), 'float32', [1]);
  await assert.rejects(createSession(b.toBytes(), { label: 'bogus.onnx' }), (err: unknown) => {
    assert.ok(err instanceof ModelFormatError);
    assert.match(err.message, /bogus\.onnx: .*NoSuchOp/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});
