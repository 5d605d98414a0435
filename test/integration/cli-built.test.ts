// The built `cajal` command (bin/cajal.mjs over out/main/cli.js), run as a user runs `npx cajal` after the build:
// `inspect` on the float16 SqueezeNet lists every fire module's tensors, and `serve` off loopback prints a token URL.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { builtCliProcess, runCli } from '../helpers/cli';

interface TensorInfo {
  name: string;
  op: string;
  dtype: string;
  shape: (number | string | null)[];
}

test('cajal inspect --json lists the fire-module tensors of SqueezeNet 1.1 with shapes and dtypes', async () => {
  // The path as the README gives it, relative to the repository root.
  const r = await runCli(['inspect', '../shared/fixtures/models/squeezenet1.1-fp16.onnx', '--json'], builtCliProcess);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { sha256: string; inputs: TensorInfo[]; intermediates: TensorInfo[] };
  assert.match(info.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(info.inputs.map((t) => [t.name, t.dtype, t.shape]), [['data_0', 'float16', [1, 3, 224, 224]]]);
  const byName = new Map(info.intermediates.map((t) => [t.name, t]));
  // SqueezeNet 1.1: fire2–3 at 55×55, fire4–5 at 27×27, fire6–9 at 13×13; each module concatenates two expand branches.
  const expected: [number, number, number][] = [
    [2, 128, 55], [3, 128, 55], [4, 256, 27], [5, 256, 27], [6, 384, 13], [7, 384, 13], [8, 512, 13], [9, 512, 13],
  ];
  for (const [k, channels, side] of expected) {
    const squeeze = byName.get(`fire${k}/squeeze1x1_2`);
    const expand1 = byName.get(`fire${k}/expand1x1_2`);
    const concat = byName.get(`fire${k}/concat_1`);
    assert.ok(squeeze && expand1 && concat, `fire${k} tensors listed`);
    assert.deepEqual([concat.op, concat.dtype, concat.shape], ['Concat', 'float16', [1, channels, side, side]], `fire${k}/concat_1`);
    assert.deepEqual([expand1.op, expand1.dtype, expand1.shape], ['Relu', 'float16', [1, channels / 2, side, side]], `fire${k}/expand1x1_2`);
    assert.equal(squeeze.op, 'Relu');
  }
  // Every intermediate tensor has a dtype and a fully known shape.
  for (const t of info.intermediates) {
    assert.ok(t.dtype, `${t.name} has a dtype`);
    assert.ok(t.shape.length > 0 && t.shape.every((d) => typeof d === 'number' && d > 0), `${t.name} shape ${JSON.stringify(t.shape)}`);
  }
});

test('cajal serve --host 0.0.0.0 prints a URL carrying an access token, and the API wants that token', async () => {
  const child = builtCliProcess(['serve', '--host', '0.0.0.0', '--port', '0']);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`cajal serve exited (${code}) before printing its URL:\n${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /^Cajal is serving at (\S+)$/.exec(line);
        if (m) resolve(m[1]!);
      });
    });
    const printed = new URL(url);
    const token = printed.searchParams.get('token');
    assert.ok(token && token.length >= 20, `the URL ${url} carries a token`);
    const api = new URL('/api/call', `http://127.0.0.1:${printed.port}`);
    const post = (query: string) =>
      fetch(`${api}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'system.info', params: {} }) });
    assert.equal((await post('')).status, 401);
    const ok = await post(`?token=${token}`);
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { ok: boolean }).ok, true);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
});
