// The layer rule in eslint.config.js: a lower room (the engine) never imports the façades, transports or CLI above it,
// and takes only types from the API contract. Checked with the repo's own ESLint config on probe files, then on the tree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..', '..');
const RULE = '@typescript-eslint/no-restricted-imports';
const eslint = new ESLint({ cwd: root });

async function layerErrors(code: string, filePath: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return res!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

test('an upward import from a lower room is an error, for every lower room and every upper target', async () => {
  for (const room of ['analyses', 'store', 'jobs', 'bases', 'lesions', 'revcorr']) {
    for (const target of ['services/lab', 'server/index', 'cli/commands']) {
      const errs = await layerErrors(`import { x } from '../${target}';\nexport const y = x;\n`, `main/${room}/probe.ts`);
      assert.equal(errs.length, 1, `${room} → ${target}`);
      assert.match(errs[0]!, /must not import services\/, server\/ or cli\//);
    }
  }
  // Deeper files climb further; the rule counts any number of ../
  const deep = await layerErrors(`import type { Lab } from '../../services/lab';\nexport type L = Lab;\n`, 'main/report/sections/probe.ts');
  assert.equal(deep.length, 1, 'a type-only import of services/ is refused too');
});

test('from the API contract a lower room may take types but not runtime values', async () => {
  const value = await layerErrors(`import { methodSchemas } from '../api/contract';\nexport const m = methodSchemas;\n`, 'main/harvest/probe.ts');
  assert.equal(value.length, 1);
  assert.match(value[0]!, /only types from api\//);
  const types = await layerErrors(`import type { HarvestInfo } from '../api/contract';\nexport type H = HarvestInfo;\n`, 'main/harvest/probe.ts');
  assert.deepEqual(types, []);
});

test('the rooms above may import anything below them', async () => {
  const errs = await layerErrors(`import { loadBasis } from '../bases/load';\nimport { Lab } from './lab';\nexport const z = [loadBasis, Lab];\n`, 'main/services/probe.ts');
  assert.deepEqual(errs, []);
});

test('npm run lint fails on a temporary file that makes an upward import', () => {
  const probe = join(root, 'main', 'analyses', `layer-probe-${process.pid}.ts`);
  writeFileSync(probe, `// probe for test/unit/layers.test.ts\nimport { loadBasis } from '../services/bases';\nexport const f = loadBasis;\n`);
  try {
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), probe], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /'\.\.\/services\/bases' import is restricted/);
    assert.match(r.stdout, new RegExp(RULE));
  } finally {
    rmSync(probe, { force: true });
  }
});

test('the tree itself keeps the layers', async () => {
  // Which rooms the config treats as lower, as ESLint itself resolves it; the list must all be among them.
  const lower: string[] = [];
  for (const room of readdirSync(join(root, 'main'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const config = await eslint.calculateConfigForFile(join(root, 'main', room, 'probe.ts'));
    if (config.rules?.[RULE]?.[0] === 2) lower.push(room);
  }
  for (const room of ['onnx', 'stimuli', 'store', 'linalg', 'train', 'io', 'util', 'harvest', 'bases', 'analyses', 'jobs']) {
    assert.ok(lower.includes(room), `${room} is a lower room`);
  }
  for (const room of ['services', 'server', 'cli', 'api', 'workers']) assert.ok(!lower.includes(room), `${room} is above`);
  const results = await eslint.lintFiles(lower.map((room) => `main/${room}/**/*.ts`));
  assert.ok(results.length > 90, `linted ${results.length} files`);
  const bad = results.flatMap((r) => r.messages.filter((m) => m.ruleId === RULE).map((m) => `${r.filePath}:${m.line} ${m.message}`));
  assert.deepEqual(bad, []);
});
