// The export room's writers, read back by the readers people use: CSV with hostile text (commas, quotes, line
// breaks, non-finite numbers) through Python's csv; a streamed .npy through NumPy (1-D and 2-D, the header padded as
// NumPy pads it), and a stream that ends short of its shape is refused; the appendix's shell words through bash.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeCsv } from '../../../main/export/csv';
import { NpyStreamWriter } from '../../../main/export/npy-writer';
import { reproduceCommands } from '../../../main/report/reproduce';
import type { ReproduceRecord } from '../../../main/report/reproduce-types';
import { tempDir } from '../../helpers/fixtures';

const py = (code: string, ...args: string[]) => JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' })) as unknown;

test('CSV: hostile strings and missing values survive Python’s csv reader', () => {
  const dir = tempDir('cajal-csv-');
  const rows: (string | number | null)[][] = [
    ['plain', 1, 0.1],
    ['a, comma', -2.5e-12, null],
    ['"quoted"', Number.NaN, 3],
    ['two\nlines\r\nand more', Number.POSITIVE_INFINITY, 1 / 3],
    ['ünïcödé · 2AFC', 0, -0],
  ];
  const path = join(dir, 't.csv');
  writeCsv(path, { columns: [{ name: 'name', type: 'string' }, { name: 'x', type: 'float' }, { name: 'y, z', type: 'float' }], rows });
  const back = py(`import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))`, path) as string[][];
  assert.deepEqual(back[0], ['name', 'x', 'y, z']);
  assert.deepEqual(
    back.slice(1),
    rows.map((r) => r.map((v) => (v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v)))),
  );
  assert.equal(Number(back[4]![2]), 1 / 3, 'full precision');
});

test('.npy streamed in blocks loads in NumPy; a short stream is refused', () => {
  const dir = tempDir('cajal-npy-');
  const data = Float32Array.from({ length: 7 * 5 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
  const w = new NpyStreamWriter(join(dir, 'm.npy'), [7, 5]);
  w.write(data.subarray(0, 15));
  w.write(data.subarray(15, 20));
  w.write(data.subarray(20));
  w.close();
  const v = new NpyStreamWriter(join(dir, 'v.npy'), [4]);
  v.write(Float32Array.of(1, 2, 3, 4));
  v.close();
  const got = py(`import json, sys, numpy as np\nout = []\nfor f in sys.argv[1:]:\n    a = np.load(f)\n    out.append([list(a.shape), str(a.dtype), a.ravel().astype(float).tolist()])\nprint(json.dumps(out))`, join(dir, 'm.npy'), join(dir, 'v.npy')) as [number[], string, number[]][];
  assert.deepEqual(got[0], [[7, 5], 'float32', Array.from(data)]);
  assert.deepEqual(got[1], [[4], 'float32', [1, 2, 3, 4]]);
  const header = readFileSync(join(dir, 'm.npy')).subarray(0, 128).toString('latin1');
  assert.equal((header.indexOf('\n') + 1) % 64, 0, 'data starts on a 64-byte boundary');
  const short = new NpyStreamWriter(join(dir, 's.npy'), [3, 2]);
  short.write(Float32Array.of(1, 2));
  assert.throws(() => short.close(), /wrote 2 values for the shape 3×2 \(6\)/);
  assert.throws(() => new NpyStreamWriter(join(dir, 'o.npy'), [1]).write(Float32Array.of(1, 2)), /more values than the shape 1 holds/);
});

test('the appendix’s commands split in bash into the words meant, whatever a path holds', () => {
  const odd = "/data/it's a \"folder\" $HOME; rm -rf x";
  const record: ReproduceRecord = {
    harvests: [
      {
        harvestId: 4,
        source: 'model',
        model: { name: 'm.onnx', path: `${odd}/m.onnx`, sha256: 'ab'.repeat(32) },
        tensor: 'layer 1',
        positions: 'centre',
        stimuli: { kind: 'folder', path: odd, labelsFromSubfolders: true, recipe: { width: 32, height: 32, channels: 3, channelOrder: 'RGB', resize: 'stretch', scale: 1, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], layout: 'NCHW' }, decoder: 2 },
        rows: 10,
      },
    ],
    bases: [
      { basisId: 9, harvestId: 4, name: 'pca', method: 'pca', seed: 3, params: { nComponents: 8, solver: 'full' }, unexpressible: [], imported: false, featureStats: { topK: 16, bands: 4 }, metricRuns: [{ metrics: ['2afc-pixel'], trials: 10, seed: 1, afcPool: 'mean', perceptualModel: null, perceptualPreset: null }] },
    ],
    comparisons: [{ harvestId: 4, bootstrap: 500, seed: 2 }],
    inputs: [],
    manifests: [],
  };
  const { commands, notes, harvestNo, basisNo } = reproduceCommands(record, 'new project.cajal');
  assert.deepEqual([...harvestNo], [[4, 1]]);
  assert.deepEqual([...basisNo], [[9, 1]]);
  assert.deepEqual(notes, ['Harvest 4 resized its images by stretch; the command line centre-crops.']);
  // #14: a folder set made before image decoder 2 (no decoder in its spec) cannot be remade by the command line alone.
  const { decoder: _decoder, ...v1Stimuli } = record.harvests[0]!.stimuli!;
  const v1Notes = reproduceCommands({ ...record, harvests: [{ ...record.harvests[0]!, stimuli: v1Stimuli }] }, 'new project.cajal').notes;
  assert.match(v1Notes.join('\n'), /^Harvest 4's photos were decoded by image decoder 1 \(jpeg-js, pngjs\); .+ create the set with decoder 1 through the API \(stimuli\.create\) first\.$/m);
  const split = (line: string) => execFileSync('bash', ['-c', `set -- ${line}; printf '%s\\0' "$@"`], { encoding: 'utf8' }).split('\0').slice(0, -1);
  assert.deepEqual(split(commands[0]!), ['cajal', 'harvest', '--project', 'new project.cajal', '--model', `${odd}/m.onnx`, '--tensor', 'layer 1', '--stimuli', `folder:${odd}`, '--positions', 'centre', '--labels-from-subfolders', '--size', '32x32', '--channels', '3', '--order', 'RGB', '--scale', '1', '--mean', '0.5,0.5,0.5', '--std', '0.25,0.25,0.25', '--layout', 'NCHW']);
  assert.deepEqual(split(commands[1]!), ['cajal', 'fit', '--project', 'new project.cajal', '--harvest', '1', '--method', 'pca', '--seed', '3', '--param', 'nComponents=8', '--param', 'solver=full']);
  assert.deepEqual(split(commands[2]!).slice(1), ['features', '--project', 'new project.cajal', '--basis', '1', '--top', '16', '--bands', '4']);
  assert.deepEqual(split(commands[3]!).slice(1), ['metrics', '--project', 'new project.cajal', '--basis', '1', '--metric', '2afc-pixel', '--trials', '10', '--seed', '1', '--afc-pool', 'mean']);
  assert.deepEqual(split(commands[4]!).slice(1), ['compare', '--project', 'new project.cajal', '--harvest', '1', '--bootstrap', '500', '--seed', '2']);
});

// #14: the command line can say which noise generator a set was made with.
test('a reproduce line remakes white or pink noise of generator 1 with --noise-generator 1, and generator 2 without a flag', () => {
  const noise = (distribution: string, generator?: 2): ReproduceRecord => ({
    harvests: [
      {
        harvestId: 2,
        source: 'model',
        model: { name: 'm.onnx', path: '/m.onnx', sha256: 'ab'.repeat(32) },
        tensor: 't',
        positions: 'centre',
        stimuli: { kind: 'noise', distribution, count: 30, itemShape: [1, 28, 28], seed: 0, mean: 0, std: 1, ...(generator ? { generator } : {}) },
        rows: 30,
      },
    ],
    bases: [],
    comparisons: [],
    inputs: [],
    manifests: [],
  });
  const line = (record: ReproduceRecord) => reproduceCommands(record, 'p.cajal');
  for (const [distribution, name] of [['gaussian', 'white'], ['pink', 'pink']]) {
    const v1 = line(noise(distribution!));
    assert.equal(v1.commands[0], `cajal harvest --project p.cajal --model /m.onnx --tensor t --stimuli noise:${name}:30 --positions centre --item-shape 1,28,28 --noise-generator 1`);
    assert.deepEqual(v1.notes, []);
    assert.doesNotMatch(line(noise(distribution!, 2)).commands[0]!, /--noise-generator/);
  }
  assert.doesNotMatch(line(noise('uniform')).commands[0]!, /--noise-generator/, 'uniform noise draws no normals');
});
