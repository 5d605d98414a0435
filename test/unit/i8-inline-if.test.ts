// Issue #8 item 3: inlining an If branch keeps the model's computation. Two If nodes here each compute a local
// tensor named `tmp` (legal: sibling subgraphs are separate scopes); once the first is inlined, its `tmp` would clash
// with the second's, so it is renamed, and the inlined model still gives what the original computes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { resolveBranches } from '../../main/harvest/branches';
import { attr, GraphBuilder } from '../../main/onnx/builder';
import { ancestry, inlineIf } from '../../main/onnx/inline-if';
import { parseModel, serializeModel } from '../../main/onnx/model';

function twoIfs(): Uint8Array {
  const b = new GraphBuilder({ name: 'two-ifs' });
  b.input('x', 'float32', ['N', 3]);
  b.input('flag', 'bool', []);
  const branch = (name: string, op: string) => {
    const g = new GraphBuilder({ name, outerScope: ['x', 'first'] });
    g.output(g.op(op, [name.startsWith('a') ? 'x' : 'first'], {}, { output: 'tmp' }), 'float32', ['N', 3]);
    return g;
  };
  b.op('If', ['flag'], { then_branch: attr.graph(branch('a_then', 'Relu')), else_branch: attr.graph(branch('a_else', 'Neg')) }, { output: 'first', name: 'gate_a' });
  const second = b.op('If', ['flag'], { then_branch: attr.graph(branch('b_then', 'Exp')), else_branch: attr.graph(branch('b_else', 'Abs')) }, { output: 'second', name: 'gate_b' });
  b.output(second, 'float32', ['N', 3]);
  return b.toBytes();
}

async function run(bytes: Uint8Array, flag: boolean): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 0.5, 2, 3, -0.25, 0), [2, 3]), flag: new ort.Tensor('bool', Uint8Array.of(flag ? 1 : 0), []) });
  await session.release();
  return out.second!.data as Float32Array;
}

test('inlining the branch that runs renames clashing locals and computes what the If computed', async () => {
  for (const flag of [true, false]) {
    const branch = flag ? 'then_branch' : 'else_branch';
    const model = inlineIf(parseModel(twoIfs(), 'two-ifs'), 'gate_a', branch);
    const nodes = model.graph!.node!;
    assert.equal(nodes.some((n) => n.name === 'gate_a'), false);
    assert.deepEqual(nodes.filter((n) => n.opType !== 'If').map((n) => `${n.opType}(${n.input!.join(',')})→${n.output!.join(',')}`), [
      `${flag ? 'Relu' : 'Neg'}(x)→tmp__gate_a_${branch}`,
      `Identity(tmp__gate_a_${branch})→first`,
    ]);
    assert.deepEqual(await run(serializeModel(model), flag), await run(twoIfs(), flag));
    // Both Ifs together: the second inlined too.
    const both = inlineIf(model, 'gate_b', branch);
    assert.deepEqual(await run(serializeModel(both), flag), await run(twoIfs(), flag));
  }
});

test('a name defined in two sibling Ifs is refused in one sentence before the model runs', async () => {
  await assert.rejects(
    resolveBranches(parseModel(twoIfs(), 'two-ifs'), ['tmp'], {}, 'x', 'two-ifs'),
    /^UserError: Tensor tmp is defined in 2 subgraphs \(If gate_a → then_branch → tmp; If gate_a → else_branch → tmp; If gate_b → then_branch → tmp; If gate_b → else_branch → tmp\), so its name does not say which one to record\.$/,
  );
});

test('ancestry finds the inputs a condition reads, through subgraphs', () => {
  const graph = parseModel(twoIfs(), 'two-ifs').graph!;
  assert.deepEqual([...ancestry(graph, 'second').inputs].sort(), ['flag', 'x']);
  assert.equal(ancestry(graph, 'second').random, false);
});
