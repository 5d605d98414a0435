// A comparison section: what was compared (harvest, model, stimuli, bases with their parameters and seeds), one chart
// per metric, the Mann–Whitney tests against the neurons and the random basis, the quality of each basis, and the
// match matrix as a heatmap and as numbers.
import type { ComparisonBasis, MetricName } from '../../analyses/types';
import { metricChart, matchMatrixChart } from '../charts';
import { int, num, pValue, pct, utc } from '../format';
import { html, type Markup } from '../html';
import { basesInMethodOrder, shortName } from '../order';
import { saturationSentence } from '../../analyses/ceiling'; // room: i8
import type { BasisProvenance, ComparisonSnapshot, HarvestProvenance } from '../snapshot';

const titleOf = (s: ComparisonSnapshot, m: MetricName) => s.definitions.find((d) => d.name === m)?.title ?? m;

export function harvestTable(h: HarvestProvenance): Markup {
  return html`<table class="kv">
    <tr><th>Harvest</th><td>#${h.harvestId}, recorded ${utc(h.createdAt)}</td></tr>
    <tr><th>Model</th><td>${h.model ? html`${h.model.name} <span class="mono muted">sha256 ${h.model.sha256.slice(0, 16)}…</span>` : 'activations imported from outside Cajal'}</td></tr>
    <tr><th>Tensor</th><td><code>${h.tensor}</code> [${h.tensorShape.join(' × ')}], ${h.positions === 'all' ? 'every position' : h.positions === 'mean' ? 'spatial mean' : 'centre position'}, d = ${h.dim}</td></tr>
    <tr><th>Stimuli</th><td>${h.stimulusSet ? `${h.stimulusSet.name} (${h.stimulusSet.kind}, ${int(h.stimulusSet.count)} items)` : '—'}; ${int(h.rows)} rows</td></tr>
  </table>`;
}

/** Parameters as "key = value" pairs, in a stable order. */
function paramsText(params: Record<string, unknown>): string {
  const keys = Object.keys(params).sort();
  return keys.length ? keys.map((k) => `${k} = ${typeof params[k] === 'object' ? JSON.stringify(params[k]) : String(params[k])}`).join(', ') : '—';
}

export function basesTable(bases: BasisProvenance[]): Markup {
  return html`<table>
    <thead><tr><th class="n">id</th><th>name</th><th>method</th><th class="n">features</th><th>parameters</th><th class="n">seed</th><th>fitted</th></tr></thead>
    <tbody>${basesInMethodOrder(bases).map(
      (b) => html`<tr><td class="n">${b.basisId}</td><td>${b.name}</td><td>${b.method}</td><td class="n">${int(b.nFeatures)}</td><td class="mono">${paramsText(b.params)}</td><td class="n">${b.seed}</td><td>${b.status === 'imported' ? 'imported' : utc(b.finishedAt)}</td></tr>`,
    )}</tbody>
  </table>`;
}

function testsTable(s: ComparisonSnapshot, metrics: MetricName[], ordered: ComparisonBasis[]): Markup {
  const c = s.comparison;
  const sig = (p: number | undefined) => (p !== undefined && p < 0.05 ? 'n sig' : 'n');
  const rows = metrics.flatMap((m) =>
    ordered
      .filter((b) => b.metrics[m])
      .map((b) => {
        const x = b.metrics[m]!;
        const cell = (col: string, text: string, cls = 'n') => html`<td class="${cls}" data-cell="${col}" data-basis="${b.basisId}" data-metric="${m}">${text}</td>`;
        return html`<tr>
          <td>${titleOf(s, m)}${c.saturated?.[m] ? html` <span title="${saturationSentence(m, c.saturated[m])}" data-saturated-flag="${m}">⚠ at ${c.saturated[m].at}</span>` : ''}</td><td title="${b.name}">${shortName(b, c.bases)}</td>
          ${cell('n', int(x.values.length))}${cell('median', num(x.median))}${cell('ci95', `[${num(x.ci95[0])}, ${num(x.ci95[1])}]`)}
          ${cell('u-neurons', num(x.vsNeurons?.u ?? null, 4))}${cell('p-neurons', pValue(x.vsNeurons?.p), sig(x.vsNeurons?.p))}${cell('effect-neurons', num(x.vsNeurons?.effect ?? null, 2))}
          ${cell('u-random', num(x.vsRandom?.u ?? null, 4))}${cell('p-random', pValue(x.vsRandom?.p), sig(x.vsRandom?.p))}${cell('effect-random', num(x.vsRandom?.effect ?? null, 2))}
        </tr>`;
      }),
  );
  return html`<table data-table="tests">
    <thead><tr><th>metric</th><th>basis</th><th class="n">n</th><th class="n">median</th><th class="n">95 % CI</th><th class="n">U vs N</th><th class="n">p vs N</th><th class="n">effect vs N</th><th class="n">U vs R</th><th class="n">p vs R</th><th class="n">effect vs R</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`;
}

function qualityTable(c: ComparisonSnapshot['comparison'], ordered: ComparisonBasis[]): Markup {
  // room: text (#13 loss recovered) — a loss-recovered column where some basis was measured (zero · mean baselines).
  const withLoss = ordered.some((b) => b.lossRecovered);
  const lossHead = withLoss ? html`<th class="n" title="(CE ablated − CE spliced) / (CE ablated − CE clean), zero- · mean-ablation baselines">loss rec.</th>` : '';
  const lossCell = (b: ComparisonBasis) => (withLoss ? html`<td class="n" data-loss-recovered>${b.lossRecovered ? html`${num(b.lossRecovered.ceScoreZero)} · ${num(b.lossRecovered.ceScoreMean)}` : '—'}</td>` : '');
  return html`<table data-table="quality">
    <thead><tr><th>basis</th><th class="n">features</th><th class="n">held-out rows</th><th class="n">expl. var.</th><th class="n">MSE</th><th class="n" title="Mean cosine between a held-out row and its reconstruction, over rows with non-zero norm">recon. cos</th><th class="n">L0</th><th class="n">dead</th><th class="n">dense</th>${lossHead}</tr></thead>
    <tbody>${ordered.map((b) => {
      const q = b.quality;
      return html`<tr><td title="${b.name}">${shortName(b, c.bases)}</td><td class="n">${int(b.nFeatures)}</td><td class="n">${int(q?.rows)}</td><td class="n">${num(q?.explainedVariance)}</td><td class="n">${num(q?.mse)}</td><td class="n">${num(q?.reconstructionCosine)}${q?.cosineZeroRows ? html`<br><small data-cos-zero-rows>${int(q.cosineZeroRows)} zero rows left out</small>` : ''}</td><td class="n">${num(q?.l0)}</td><td class="n">${pct(q?.deadFraction)}</td><td class="n">${pct(q?.denseFraction)}</td>${lossCell(b)}</tr>`;
    })}</tbody>
  </table>`;
}

function matchTable(c: ComparisonSnapshot['comparison'], ordered: ComparisonBasis[]): Markup {
  const idx = ordered.map((b) => c.bases.indexOf(b));
  return html`<table data-table="match">
    <thead><tr><th>row → column</th>${ordered.map((b) => html`<th class="n">${shortName(b, c.bases)}</th>`)}</tr></thead>
    <tbody>${idx.map((i, r) => html`<tr><th>${shortName(ordered[r]!, c.bases)}</th>${idx.map((j) => html`<td class="n">${num(c.matchMatrix[i]?.[j] ?? null, 2)}</td>`)}</tr>`)}</tbody>
  </table>`;
}

export function comparisonSection(s: ComparisonSnapshot): Markup {
  const c = s.comparison;
  const ordered = basesInMethodOrder(c.bases);
  const metrics = c.metricNames.filter((m) => c.bases.some((b) => (b.metrics[m]?.values.length ?? 0) > 0));
  const nullName = (id: number | null) => {
    const b = c.bases.find((x) => x.basisId === id);
    return b ? `${b.name} (#${b.basisId})` : 'none in this harvest';
  };
  return html`
    <h3>What was compared</h3>
    ${harvestTable(s.harvest)}
    <p>Bootstrap: ${int(c.bootstrap)} resamples, seed ${c.seed}. Tests against the neurons: ${nullName(c.neuronsBasisId)}; against random directions: ${nullName(c.randomBasisId)}.</p>
    ${basesTable(s.bases)}
    <h3>Metrics</h3>
    ${
      metrics.length
        ? html`<div class="charts">${metrics.map(
            (m) => html`<figure data-metric="${m}">
              <h4>${titleOf(s, m)} <span class="mono muted">${m}</span></h4>
              ${c.saturated?.[m] ? html`<p class="small" data-saturated="${m}">⚠ ${saturationSentence(m, c.saturated[m])}</p>` : ''}
              ${metricChart(c, m, titleOf(s, m))}
              <figcaption>Violin: density of the features' values; box: quartiles and Tukey whiskers; ● with bar: the median and its bootstrap 95 % interval.</figcaption>
            </figure>`,
          )}</div>`
        : html`<p class="muted">No interpretability metric had been computed for these bases when the comparison was sent.</p>`
    }
    ${metrics.length ? html`<h3>Mann–Whitney U tests</h3><p class="muted small">Each basis against the neurons (N) and against random directions (R); two-sided p, p &lt; 0.05 in bold green; effect = U / (n₁·n₂).</p>${testsTable(s, metrics, ordered)}` : ''}
    <h3>Basis quality</h3>
    <p class="muted small">On the rows each basis held out from fitting.</p>
    ${qualityTable(c, ordered)}
    <h3>Match matrix</h3>
    <p class="muted small">Cell (row i, column j): the mean over the directions of basis i of the largest |cosine| with any direction of basis j. 1 means every direction of i has a twin in j; the matrix is not symmetric.</p>
    <figure>${matchMatrixChart(c)}</figure>
    ${matchTable(c, ordered)}
  `;
}
