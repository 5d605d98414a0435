// Issue #8 item 3: tensors computed inside an `If` node's branches are listed by inspection with their path
// (node → branch → tensor). This model's condition reads the stimuli, y = If(sum(x) > 0, then: 2·relu(x), else: −x),
// so the branch that runs changes from stimulus to stimulus: a harvest of a branch tensor is refused in one sentence
// that says so (i8-if-branches.test.ts records branch tensors whose condition the inputs fix).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attr, GraphBuilder } from '../../main/onnx/builder';
import { inspectModel } from '../../main/onnx/inspect';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

function ifModel(): Uint8Array {
  const b = new GraphBuilder({ name: 'if-model' });
  const x = b.input('x', 'float32', ['N', 4]);
  const total = b.op('ReduceSum', [x, b.constant(BigInt64Array.of(0n, 1n), [2], 'int64')], { keepdims: 0 }, { output: 'total' });
  const cond = b.op('Greater', [total, b.scalar(0)], {}, { output: 'cond' });
  const then = new GraphBuilder({ name: 'then', outerScope: ['x'] });
  then.output(then.op('Mul', [then.op('Relu', ['x'], {}, { output: 'then_relu' }), then.scalar(2, 'float32', 'two')], {}, { output: 'then_out' }), 'float32', ['N', 4]);
  const other = new GraphBuilder({ name: 'else', outerScope: ['x'] });
  other.output(other.op('Neg', ['x'], {}, { output: 'else_out' }), 'float32', ['N', 4]);
  const y = b.op('If', [cond], { then_branch: attr.graph(then), else_branch: attr.graph(other) }, { output: 'y', name: 'gate' });
  b.output(y, 'float32', ['N', 4]);
  return b.toBytes();
}

test('inspection lists the tensors inside both branches with their path', async () => {
  const info = await inspectModel(ifModel());
  assert.deepEqual(info.intermediates.filter((t) => t.op !== 'Constant').map((t) => t.name), ['total', 'cond']);
  const inner = info.subgraphTensors.filter((t) => t.op !== 'Constant');
  assert.deepEqual(
    inner.map((t) => [...t.path, t.name].join(' → ')),
    ['If gate → then_branch → then_relu', 'If gate → then_branch → then_out', 'If gate → else_branch → else_out'],
  );
  assert.deepEqual(inner.map((t) => t.op), ['Relu', 'Mul', 'Neg']);
});

test('cajal inspect prints them; a harvest of one behind a condition on the stimuli is refused in one sentence, nothing written', async () => {
  const dir = tempDir();
  const model = join(dir, 'if.onnx');
  writeFileSync(model, ifModel());
  const shown = await runCli(['inspect', model]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /If gate → then_branch → then_relu\s+Relu/);
  const project = join(dir, 'p.cajal');
  const r = await runCli(['harvest', '--project', project, '--model', model, '--tensor', 'then_relu', '--stimuli', 'noise:white:10']);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /Tensor then_relu is inside If gate \(If gate → then_branch → then_relu\), whose condition cond reads the stimulus input x, so the branch that runs can change from stimulus to stimulus and Cajal cannot record it as one layer\./);
  assert.equal(existsSync(project), false);
});
