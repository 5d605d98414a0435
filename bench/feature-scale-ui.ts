// The Features panel at 131,072 features (#18), in Debian's Chromium against `cajal serve`: a planted SAE in SAELens
// layout over imported labelled rows (test/helpers/planted-sae.ts; d_in 16 so the setup stays short — the panel's
// costs depend on the number of features, not on d_in). Timed: the table's first render (basis clicked → the first
// page's rows on screen, with the count of all), the whole list in the table (typed columns), a density filter change,
// the first (cold) card and the next card (↓). Each is timed inside the page (bench/ui-clock.ts, h18ui): from the
// user's event to the animation frame that first holds the awaited rows or card.
// Reference in the same run: the engine's answer for the same list the old way, features.table (one JSON object per
// feature) over HTTP, and features.columns for the new one.
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startE2eLab, tid } from '../test/helpers/e2e';
import { installUiClock, timeUi } from './ui-clock';
import { repoRoot } from '../test/helpers/fixtures';
import { writePlantedSae } from '../test/helpers/planted-sae';
import type { Row } from './table';

const M = 131_072;

export async function benchFeatureScaleUi(): Promise<Row[]> {
  if (!existsSync('/usr/bin/chromium') || !existsSync(join(repoRoot, 'out/renderer/index.html'))) {
    return [{ name: `ui: Features panel at ${M} features`, value: NaN, unit: 'ms', note: 'skipped: needs /usr/bin/chromium and a built renderer (npm run build)' }];
  }
  const lab = await startE2eLab('cajal-bench-feature-scale-ui-', 'scale-ui.cajal');
  const { api, page, url } = lab;
  try {
    const files = writePlantedSae(lab.dir, { m: M, d: 16, rows: 1200, classes: 10, seed: 18 });
    const harvest = await api<{ id: number }>('harvests.importNpy', { path: files.acts, labelsPath: files.labels });
    const sae = await api<{ id: number }>('bases.importSae', { harvestId: harvest.id, path: files.saeDir });
    const fc = await api<{ jobId: number }>('features.compute', { basisId: sae.id, topK: 16, bands: 4 });
    await lab.waitJob(fc.jobId, 600_000);
    const timeApi = async (method: string) => {
      const t = performance.now();
      await api(method, { basisId: sae.id });
      return performance.now() - t;
    };
    const jsonMs = Math.min(await timeApi('features.table'), await timeApi('features.table'));
    const columnsMs = Math.min(await timeApi('features.columns'), await timeApi('features.columns'));

    // h18ui: a second, small basis of the same harvest (no statistics), so that clicking the large one starts its load
    // (with one basis the panel would select it on opening, before the timed click).
    const small = writePlantedSae(mkdtempSync(join(lab.dir, 'small-')), { m: 32, d: 16, rows: 20, classes: 10, seed: 1 });
    const other = await api<{ id: number }>('bases.importSae', { harvestId: harvest.id, path: small.saeDir });

    await page.goto(url);
    await installUiClock(page);
    await page.locator(tid('rail-features')).click();
    await page.locator(`${tid('features-basis-item')}[data-basis-id="${other.id}"]`).click();
    await page.locator(tid('features-not-computed')).waitFor();
    // Timed in the page (h18ui): from the user's event to the animation frame that first holds the awaited DOM
    // (a MutationObserver sees it; the frame is when it can be painted). Playwright only waits for these marks — its own
    // polling (up to 500 ms apart) would time the poll, not the panel.
    const [firstRender, wholeMs] = await timeUi(page, 'click', [`${tid('feature-table')} ${tid('feature-row')}`, `${tid('feature-table')}[data-rows="${M}"] ${tid('feature-row')}`], () =>
      page.locator(`${tid('features-basis-item')}[data-basis-id="${sae.id}"]`).click(),
    );
    const [filterMs] = await timeUi(page, 'input', [`${tid('feature-table')}[data-rows="10"] ${tid('feature-row')}`], () => page.fill(tid('filter-density-min'), '9.99'));
    const [coldCard] = await timeUi(page, 'click', [`${tid('feature-card')}[data-feature="3"][data-loading="false"]`], () => page.locator(`${tid('feature-row')}[data-key="3"]`).click());
    const [nextCard] = await timeUi(page, 'keydown', [`${tid('feature-card')}[data-feature="4"][data-loading="false"]`], () => page.keyboard.press('ArrowDown'));
    // The engine's share of a card: features.get over HTTP for a feature not opened yet, and again.
    const cardApi = async (feature: number) => {
      const t0 = performance.now();
      await api('features.get', { basisId: sae.id, feature });
      return performance.now() - t0;
    };
    const getCold = await cardApi(5);
    const getWarm = await cardApi(5);
    return [
      { name: `ui: Features panel first render (${M} features)`, value: firstRender, unit: 'ms', reference: 'features.table (JSON objects) over HTTP', referenceValue: jsonMs, ratio: jsonMs / firstRender, goal: '< 300 ms', note: `features.columns over HTTP: ${columnsMs.toFixed(0)} ms; the panel shows the first 256 rows (features.columnsPage, a primary-key range) with the count of all, then fetches the whole columns` },
      { name: `ui: whole columns in the table (${M} features)`, value: wholeMs, unit: 'ms', note: 'from the click until every feature has its values (filters wait for this); not a goal of the issue' },
      { name: `ui: density filter change (${M} → 10 rows)`, value: filterMs, unit: 'ms', goal: '< 300 ms', note: 'with the whole columns in the table' },
      { name: `ui: cold card (first opened), ${M} features`, value: coldCard, unit: 'ms', goal: '< 300 ms', note: `imported rows: no thumbnails to make; features.get over HTTP: ${getCold.toFixed(0)} ms for a feature not opened before, ${getWarm.toFixed(0)} ms again` },
      { name: `ui: next card (↓), ${M} features`, value: nextCard, unit: 'ms', goal: '< 300 ms' },
    ];
  } finally {
    await lab.close();
  }
}

if (process.argv[1]?.endsWith('bench/feature-scale-ui.ts')) {
  const { printTable } = await import('./table');
  printTable(await benchFeatureScaleUi());
}
