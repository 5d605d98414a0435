// #18 item 1: readTensorRows, read block after block into one pair of reused buffers, gives each dtype's values as
// the whole-file reader (readSafetensors) converts them, bit for bit, and allocates nothing per block: every block's
// values are a view of the shared buffers (a fresh 32 MB array per converted block is what piled up before).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { readSafetensors } from '../../../main/io/safetensors';
import { readSafetensorsHeader, readTensorRows, rowBuffersFor, type SafetensorsDtype } from '../../../main/io/safetensors-stream';
import { Rng } from '../../../main/util/random';
import { tempDir } from '../../helpers/fixtures';

/** A safetensors file of raw tensors (any dtype), written by hand as the format defines it. */
function writeRaw(tensors: Record<string, { dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array }>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const lead = Buffer.alloc(8);
  lead.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([lead, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength))]);
}

test('blocks read into shared buffers equal the whole-file read for F32, F16, BF16 and F64, with no array per block', () => {
  const rng = new Rng(1801);
  const rows = 37;
  const cols = 11;
  const values = new Float64Array(rows * cols);
  rng.fillNormal(values);
  const f32 = Float32Array.from(values);
  // Half-precision bit patterns: random ones (finite, both signs; subnormals and zeros included).
  const f16 = new Uint16Array(rows * cols).map(() => rng.int(0, 0x7c00) | (rng.int(0, 2) << 15));
  const bf16 = new Uint16Array(rows * cols).map(() => rng.int(0, 0x7f80) | (rng.int(0, 2) << 15));
  const file = join(tempDir('cajal-st-stream-'), 'all.safetensors');
  const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(file, writeRaw({
    a32: { dtype: 'F32', shape: [rows, cols], bytes: u8(f32) },
    a16: { dtype: 'F16', shape: [rows, cols], bytes: u8(f16) },
    ab16: { dtype: 'BF16', shape: [rows, cols], bytes: u8(bf16) },
    a64: { dtype: 'F64', shape: [rows, cols], bytes: u8(values) },
  }));
  const whole = readSafetensors(new Uint8Array(readFileSync(file)), 'all').tensors;
  const header = readSafetensorsHeader(file, 'all');
  const blockRows = 5; // 37 rows: 7 blocks of 5 and one of 2
  const names = ['a32', 'a16', 'ab16', 'a64'];
  const buffers = rowBuffersFor(names.map((n) => ({ entry: header.tensors[n]!, rows: blockRows })));
  assert.equal(buffers.raw.byteLength, blockRows * cols * 8, 'the raw buffer fits the widest dtype (F64)');
  assert.equal(buffers.values!.length, blockRows * cols);
  const fd = openSync(file, 'r');
  try {
    for (const name of names) {
      const got = new Float32Array(rows * cols);
      for (let first = 0; first < rows; first += blockRows) {
        const n = Math.min(blockRows, rows - first);
        const block = readTensorRows(fd, header, header.tensors[name]!, first, n, buffers);
        assert.equal(block.length, n * cols);
        const shared = name === 'a32' ? buffers.raw.buffer : buffers.values!.buffer;
        assert.equal(block.buffer, shared, `${name}: block ${first / blockRows} is a view of the shared buffers`);
        got.set(block, first * cols);
      }
      assert.ok(Buffer.from(got.buffer).equals(Buffer.from(whole[name]!.data.buffer, whole[name]!.data.byteOffset, whole[name]!.data.byteLength)), `${name} equals the whole-file read bit for bit`);
    }
  } finally {
    closeSync(fd);
  }
});
