// Reports that travel, on a real demo project (cajal demo at --digits 500 --steps 200): the report printed to PDF by
// the machine's Chromium (pages by pdftoppm, text by pdftotext), its reproduce appendix run command by command in a new
// folder (same medians and p-values), and the lab's data exported as .npy (read back by NumPy), CSV (Python's csv) and
// Parquet (hyparquet) — with the bad inputs answered in one sentence and the project left byte for byte as it was.
// These tests are registered by cli-demo.test.ts on a copy of the demo it runs (its project and report.html, copied
// once the demo's process has exited), so the demo runs once for both; nothing else opens that copy. The commands that
// succeed run in this process (the same argument parsing and commands as `cajal`), sparing 32 start-ups of tsx and the
// engine; the refusals, whose stderr must be one line, stay child processes so nothing a native library prints is missed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Comparison, FeatureTable } from '../../main/api/contract';
import { createRouter } from '../../main/api/router';
import { loadBasis } from '../../main/bases/load';
import { Lab } from '../../main/services/lab';
import { getBasis } from '../../main/store/bases';
import { openProjectDb } from '../../main/store/project';
import { streamChunks } from '../../main/store/activations';
import { fileDigest, runCli, runCliInProcess } from '../helpers/cli';
import { artifactsDir } from '../helpers/fixtures';

const python = (code: string, ...args: string[]) => JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })) as unknown;

/**
 * The export and report tests, on the demo's outputs copied into `dir`/demo (demo.cajal and report.html) before they
 * run; `comparison` gives the demo's comparison of its seven bases (compare.run with the demo's defaults).
 */
export function exportReportTests(dir: string, comparison: () => Comparison): void {
  const demo = join(dir, 'demo');
  const project = join(demo, 'demo.cajal');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('cajal report --pdf: Chromium prints pages that pdftoppm renders, with every chart title and the margins', async () => {
    const before = fileDigest(project);
    const html = join(dir, 'report.html');
    const pdf = join(dir, 'report.pdf');
    const r = await runCliInProcess(['report', '--project', project, '--report', '1', '--out', html, '--pdf', pdf]);
    assert.equal(r.code, 0, r.stderr);
    const said = /PDF written to (.+) \((\d+) pages\)/.exec(r.stdout);
    assert.ok(said, r.stdout);
    const pages = Number(said[2]);
    assert.ok(pages >= 4, `a real report (${pages} pages)`);
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    assert.equal(Number(/Pages:\s+(\d+)/.exec(info)?.[1]), pages, 'the count the CLI printed is the PDF\'s');
    assert.match(info, /Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    // pdftoppm turns it into pages; page 1 is kept as an artifact.
    const prefix = join(dir, 'page');
    execFileSync('pdftoppm', ['-r', '50', '-png', pdf, prefix]);
    const pngs = readdirSync(dir).filter((f) => f.startsWith('page') && f.endsWith('.png'));
    assert.equal(pngs.length, pages);
    mkdirSync(artifactsDir, { recursive: true });
    copyFileSync(join(dir, pngs.sort()[0]!), join(artifactsDir, 'export-report-pdf-page-1.png'));
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    // Every chart's title, and text drawn inside the charts' SVG (axis names and categories).
    const titles = [...readFileSync(html, 'utf8').matchAll(/<figure data-metric="[^"]+">\s*<h4>([^<]+) <span/g)].map((m) => m[1]!.replace(/&middot;|&#183;/g, '·'));
    assert.equal(titles.length, 3);
    for (const t of [...titles, 'Match matrix', 'matched in', 'sae-topk', 'Reproduce']) assert.ok(text.includes(t), `“${t}” in the PDF`);
    // The margins: the report's title on every page, and “Page i of n”.
    for (let i = 1; i <= pages; i++) assert.ok(text.includes(`Page ${i} of ${pages}`), `page number ${i}`);
    assert.ok(text.split('Comparison of hidden1 · mnist-mlp.onnx').length - 1 >= pages, 'the title in the margin of every page');
    assert.equal(fileDigest(project), before, 'printing leaves the project as it was');
  });

  test('report --pdf without a Chromium, or into a missing folder: one sentence each; the HTML is still written', async () => {
    const before = fileDigest(project);
    const html = join(dir, 'no-chromium.html');
    const pdf = join(dir, 'no-chromium.pdf');
    const r = await runCli(['report', '--project', project, '--report', '1', '--out', html, '--pdf', pdf, '--chromium', join(dir, 'no-such-chromium')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^cajal report: There is no Chromium at .*no-such-chromium to print the PDF with; give the path of a Chromium or Chrome executable\.\n$/);
    assert.ok(existsSync(html), 'the HTML is written');
    assert.equal(existsSync(pdf), false);
    const missing = await runCli(['report', '--project', project, '--report', '1', '--out', join(dir, 'x.html'), '--pdf', join(dir, 'nowhere', 'x.pdf')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cajal report: There is no folder .*nowhere to write the PDF into; create it first or choose another\.\n$/);
    assert.equal(existsSync(join(dir, 'x.html')), false, 'found before anything is written');
    assert.equal(fileDigest(project), before);
  });

  test('the reproduce appendix, run in a new folder, gives the demo’s medians and p-values exactly', async () => {
    const html = readFileSync(join(demo, 'report.html'), 'utf8');
    const block = /<pre class="commands" data-reproduce="commands">([\s\S]*?)<\/pre>/.exec(html)?.[1];
    assert.ok(block, 'the report ends with the commands');
    const unescape = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const lines = unescape(block).split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ')[1]),
      ['harvest', ...Array.from({ length: 7 }, () => ['fit', 'features', 'metrics']).flat(), 'compare'],
    );
    // Every input file is listed with its SHA-256, and the digest is that of the file.
    const inputs = [...html.matchAll(/<td class="mono">([^<]+)<\/td><td class="n">[\d,]+<\/td><td class="mono" data-sha256="[^"]+">([0-9a-f]{64})<\/td>/g)];
    assert.equal(inputs.length, 11, 'the model and the ten MNIST digit files');
    for (const [, path, sha] of inputs) assert.equal(fileDigest(unescape(path!)), sha, path);
    assert.ok(inputs.some(([, p]) => p!.endsWith('mnist-mlp.onnx')));

    const work = join(dir, 'reproduce');
    mkdirSync(work);
    const words = (line: string) => [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
    let compared: Comparison | null = null;
    for (const line of lines) {
      const args = words(line).slice(1).map((w) => (w === 'reproduced.cajal' ? join(work, w) : w));
      const r = await runCliInProcess([...args, '--json']);
      assert.equal(r.code, 0, `${line}\n${r.stderr.slice(-1500)}`);
      if (args[0] === 'compare') compared = JSON.parse(r.stdout) as Comparison;
    }
    assert.ok(compared);
    const rebuilt: Comparison = compared;
    assert.deepEqual(rebuilt.bases.map((b) => [b.method, b.nFeatures, b.quality?.explainedVariance]), comparison().bases.map((b) => [b.method, b.nFeatures, b.quality?.explainedVariance]));
    for (const want of comparison().bases) {
      const got = rebuilt.bases.find((b) => b.method === want.method)!;
      for (const [m, s] of Object.entries(want.metrics)) {
        const g = got.metrics[m as keyof Comparison['bases'][number]['metrics']]!;
        assert.equal(g.median, s!.median, `${want.name} ${m} median`);
        assert.deepEqual(g.ci95, s!.ci95, `${want.name} ${m} CI`);
        assert.equal(g.vsNeurons?.p ?? null, s!.vsNeurons?.p ?? null, `${want.name} ${m} p vs neurons`);
        assert.equal(g.vsRandom?.p ?? null, s!.vsRandom?.p ?? null, `${want.name} ${m} p vs random`);
      }
    }
  });

  test('exports: .npy matrices load in NumPy with the project’s values; tables parse as CSV and Parquet', async () => {
    const before = fileDigest(project);
    const out = (name: string) => join(dir, name);
    const exp = async (...args: string[]) => {
      const r = await runCliInProcess(['export', '--project', project, ...args, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { path: string; shape: number[] };
    };
    assert.deepEqual((await exp('--what', 'activations', '--harvest', '1', '--format', 'npy', '--out', out('acts.npy'))).shape, [500, 256]);
    assert.deepEqual((await exp('--what', 'features', '--basis', '7', '--format', 'npy', '--out', out('sae.npy'))).shape, [500, 1024]);
    assert.deepEqual((await exp('--what', 'directions', '--basis', '4', '--format', 'npy', '--out', out('ica-dirs.npy'))).shape, [64, 256]);
    await exp('--what', 'comparison', '--harvest', '1', '--format', 'csv', '--out', out('comparison.csv'));
    await exp('--what', 'comparison', '--harvest', '1', '--format', 'parquet', '--out', out('comparison.parquet'));
    await exp('--what', 'stats', '--basis', '3', '--format', 'csv', '--out', out('pca-stats.csv'));
    await exp('--what', 'metrics', '--basis', '3', '--format', 'csv', '--out', out('pca-metrics.csv'));

    // The same numbers read in-process from the project: the harvest's chunks, the basis encoding them, its directions.
    const db = openProjectDb(project, { create: false });
    const acts = new Float32Array(500 * 256);
    for (const c of streamChunks(db, 1)) acts.set(c.data, c.firstRow * 256);
    const sae = loadBasis(db, getBasis(db, 7));
    const codes = await sae.encode(acts, 500);
    const ica = loadBasis(db, getBasis(db, 4)).directions();
    db.close();
    const np = python(
      `import json, sys, numpy as np
out = {}
for name in sys.argv[1:]:
    a = np.load(name)
    out[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "flat": a.ravel().astype(float).tolist()}
print(json.dumps(out))`,
      out('acts.npy'), out('sae.npy'), out('ica-dirs.npy'),
    ) as Record<string, { shape: number[]; dtype: string; flat: number[] }>;
    for (const [name, want, shape] of [['acts.npy', acts, [500, 256]], ['sae.npy', codes, [500, 1024]], ['ica-dirs.npy', ica, [64, 256]]] as const) {
      const got = np[out(name)]!;
      assert.deepEqual([got.shape, got.dtype], [shape, 'float32'], name);
      assert.deepEqual(got.flat, Array.from(want), `${name}: every value`);
    }

    // CSV through Python's csv module: the header, and the comparison's medians and p-values.
    const rows = python(`import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))`, out('comparison.csv')) as Record<string, string>[];
    assert.equal(rows.length, comparison().bases.length * comparison().metricNames.length);
    for (const b of comparison().bases) {
      for (const [m, s] of Object.entries(b.metrics)) {
        const row = rows.find((r) => Number(r.basis_id) === b.basisId && r.metric === m)!;
        assert.equal(row.basis, b.name);
        assert.equal(Number(row.median), s!.median, `${b.name} ${m}`);
        assert.equal(row.p_vs_neurons === '' ? null : Number(row.p_vs_neurons), s!.vsNeurons?.p ?? null);
        assert.equal(Number(row.n), s!.values.length);
      }
    }
    // Parquet: the same table, typed, read back by hyparquet.
    const { parquetReadObjects } = await import('hyparquet');
    const bytes = readFileSync(out('comparison.parquet'));
    const pq = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })) as Record<string, unknown>[];
    assert.equal(pq.length, rows.length);
    pq.forEach((r, i) => {
      assert.equal(r.basis, rows[i]!.basis);
      assert.equal(r.basis_id, Number(rows[i]!.basis_id));
      assert.equal(r.median, Number(rows[i]!.median));
      assert.equal(r.p_vs_neurons, rows[i]!.p_vs_neurons === '' ? null : Number(rows[i]!.p_vs_neurons));
    });

    const lab = new Lab(() => undefined);
    lab.openProject({ path: project, create: false });
    const table = (await createRouter(lab, 'direct').call('features.table', { basisId: 3 })) as FeatureTable;
    await lab.shutdown();
    const stats = python(`import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))`, out('pca-stats.csv')) as Record<string, string>[];
    assert.deepEqual(Object.keys(stats[0]!), ['feature', 'density', 'mean', 'min', 'max']);
    assert.deepEqual(stats.map((r) => [Number(r.feature), Number(r.density), Number(r.mean), Number(r.min), Number(r.max)]), table.features.map((f) => [f.feature, f.density, f.mean, f.min, f.max]));
    const metrics = python(`import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))`, out('pca-metrics.csv')) as Record<string, string>[];
    assert.deepEqual(Object.keys(metrics[0]!), ['feature', ...table.metricNames, ...table.metricNames.map((m) => `${m}_z`)]);
    metrics.forEach((r, i) => {
      for (const m of table.metricNames) {
        const want = table.features[i]!.metrics[m];
        assert.equal(r[m] === '' ? undefined : Number(r[m]), want === undefined || !Number.isFinite(want) ? undefined : want, `feature ${i} ${m}`);
      }
    });
    assert.equal(fileDigest(project), before, 'exports only read the project');
  });

  test('export bad input: missing or read-only folder, deleted basis, wrong format — one sentence each, project untouched', async () => {
    const copy = join(dir, 'copy.cajal');
    copyFileSync(project, copy);
    // A basis deleted from the project (its rows cascade away), as a later version's delete would leave it.
    const raw = new Database(copy);
    raw.pragma('foreign_keys = ON');
    raw.prepare('DELETE FROM bases WHERE id = 7').run();
    raw.close();
    const before = fileDigest(copy);
    const cases: [string[], RegExp][] = [
      [['--what', 'activations', '--harvest', '1', '--format', 'npy', '--out', join(dir, 'nowhere', 'a.npy')], /^There is no folder .*nowhere to write the activations export into; create it first or choose another\.$/],
      [['--what', 'stats', '--basis', '3', '--format', 'csv', '--out', '/sys/stats.csv'], /^The folder \/sys is read-only, so the stats export cannot be written there; choose a writable folder\.$/],
      [['--what', 'features', '--basis', '7', '--format', 'npy', '--out', join(dir, 'gone.npy')], /^There is no basis 7 in this project\.$/],
      [['--what', 'stats', '--basis', '3', '--format', 'npy', '--out', join(dir, 'stats.npy')], /^stats is a table and leaves as CSV or Parquet \(--format csv or parquet\), not \.npy\.$/],
      [['--what', 'activations', '--harvest', '9', '--format', 'npy', '--out', join(dir, 'h9.npy')], /^There is no harvest 9 in this project\.$/],
    ];
    for (const [args, said] of cases) {
      const r = await runCli(['export', '--project', copy, ...args]);
      assert.equal(r.code, 1, args.join(' '));
      const line = r.stderr.trim();
      assert.equal(line.split('\n').length, 1, line);
      assert.match(line.replace(/^cajal export: /, ''), said);
      assert.equal(fileDigest(copy), before, `${args.join(' ')} left the project untouched`);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => /\.(part|npy)$/.test(f) && /gone|stats|h9/.test(f)), [], 'nothing written');
  });


  test('the app’s export.write writes matrices from the service worker: the same bytes as the CLI', async () => {
    const lab = new Lab(() => undefined);
    lab.openProject({ path: project, create: false });
    const router = createRouter(lab, 'direct');
    try {
      for (const [what, id, cli] of [['activations', { harvestId: 1 }, 'acts.npy'], ['features', { basisId: 7 }, 'sae.npy']] as const) {
        const out = join(dir, `api-${cli}`);
        const r = (await router.call('export.write', { what, format: 'npy', ...id, out })) as { path: string; shape: number[]; bytes: number };
        assert.equal(r.path, out);
        assert.ok(readFileSync(out).equals(readFileSync(join(dir, cli))), `${what}: byte for byte the CLI's export`);
      }
      await assert.rejects(router.call('export.write', { what: 'directions', format: 'npy', basisId: 7, out: join(dir, 'gone', 'd.npy') }), /^.*There is no folder .*gone to write the directions export into/);
    } finally {
      await lab.shutdown();
    }
  });
}
