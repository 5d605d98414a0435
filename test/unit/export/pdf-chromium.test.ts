// Finding the Chromium that prints PDFs: a named one must exist and be executable (one sentence otherwise), the
// environment's CAJAL_CHROMIUM counts as named, and with none named the first usual install that exists is used,
// or none (the CLI then says NO_CHROMIUM and still writes the HTML).
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NO_CHROMIUM } from '../../../main/report/pdf';
import { findChromium } from '../../../main/report/pdf-chromium';
import { tempDir } from '../../helpers/fixtures';

test('findChromium: named, from the environment, found among the usual installs, or none', () => {
  const dir = tempDir('cajal-chromium-');
  const fake = join(dir, 'chromium');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  const notExec = join(dir, 'not-executable');
  writeFileSync(notExec, '');
  chmodSync(notExec, 0o644);
  const saved = process.env.CAJAL_CHROMIUM;
  try {
    delete process.env.CAJAL_CHROMIUM;
    assert.equal(findChromium(fake, []), fake);
    assert.throws(() => findChromium(join(dir, 'missing')), /^UserError: There is no Chromium at .*missing to print the PDF with; give the path of a Chromium or Chrome executable\.$/);
    assert.throws(() => findChromium(notExec), /There is no Chromium at .*not-executable/, 'a file that cannot run');
    assert.equal(findChromium(undefined, [join(dir, 'missing'), dir, notExec, fake]), fake, 'the first candidate that is an executable file');
    assert.equal(findChromium(undefined, [join(dir, 'missing'), dir]), null, 'none found');
    process.env.CAJAL_CHROMIUM = fake;
    assert.equal(findChromium(undefined, []), fake);
    process.env.CAJAL_CHROMIUM = join(dir, 'gone');
    assert.throws(() => findChromium(undefined, [fake]), /There is no Chromium at .*gone/);
  } finally {
    if (saved === undefined) delete process.env.CAJAL_CHROMIUM;
    else process.env.CAJAL_CHROMIUM = saved;
  }
  assert.match(NO_CHROMIUM, /^No Chromium was found to print the PDF .*; install Chromium, or name one with --chromium PATH or CAJAL_CHROMIUM\.$/);
});
