// The report's Methods part: every metric any section shows, with its formula, its source and where the lab departs
// from the authors' definition — the definitions from analyses/definitions.ts as each section stored them — and, when
// the report holds a comparison, how its statistics are computed.
import type { MetricDefinition } from '../analyses/types';
import type { BasisMethodDefinition } from '../bases/types';
import { MATCH_SAMPLE } from '../analyses/compare';
import { int } from './format';
import { html, type Markup } from './html';

export function methodsPart(definitions: MetricDefinition[], comparisons: { bootstrap: number; seed: number }[], basisMethods: BasisMethodDefinition[] = []): Markup {
  const seen = new Set<string>();
  const defs = definitions.filter((d) => !seen.has(d.name) && seen.add(d.name)).sort((a, b) => a.name.localeCompare(b.name));
  const seenMethods = new Set<string>();
  const methods = basisMethods.filter((d) => !seenMethods.has(d.method) && seenMethods.add(d.method));
  return html`
    ${
      methods.length
        ? html`<h3>Bases</h3>
          <dl class="methods">
            ${methods.map(
              (d) => html`<dt id="basis-${d.method}">${d.title} <span class="mono muted">${d.method}</span></dt>
                <dd><p><strong>Source.</strong> ${d.source}</p>
                <p class="departure" data-departure="${d.method}"><strong>Departure from the source.</strong> ${d.departure ?? 'None: the lab follows the source.'}</p></dd>`,
            )}
          </dl>`
        : ''
    }
    ${
      defs.length
        ? html`<h3>Interpretability metrics</h3>
          <dl class="methods">
            ${defs.map(
              (d) => html`<dt id="metric-${d.name}">${d.title} <span class="mono muted">${d.name}</span></dt>
                <dd><p><strong>Formula.</strong> ${d.formula}</p>
                <p><strong>Source.</strong> ${d.source}</p>
                <p class="departure" data-departure="${d.name}"><strong>Departure from the source.</strong> ${d.departure ?? 'None: the lab computes the metric as the source defines it.'}</p>
                ${d.needsLabels ? html`<p class="muted small">Needs labelled stimuli.</p>` : ''}${d.needsPerceptualModel ? html`<p class="muted small">Needs a perceptual network chosen by the user.</p>` : ''}</dd>`,
            )}
          </dl>`
        : ''
    }
    ${
      comparisons.length
        ? html`<h3>Statistics of the comparisons</h3>
          <dl class="methods">
            <dt>Median and its 95 % interval</dt>
            <dd>The median of a basis' per-feature values of a metric (features without a value left out), with a percentile bootstrap interval: resample the values with replacement ${comparisons.map((c, i) => html`${i ? '; ' : ''}${int(c.bootstrap)} times (seed ${c.seed})`)}, take the 2.5th and 97.5th percentiles (linear interpolation) of the resampled medians. Each basis and metric draws from its own stream, derived from the seed, the basis id and the metric.</dd>
            <dt>Mann–Whitney U test</dt>
            <dd>Each basis' values against those of the neurons and of the random basis of the same harvest (the random basis with metrics, else the first): U counts the pairs (a, b) with a &gt; b, ties counting ½; two-sided p from the normal approximation with tie and continuity correction (as scipy.stats.mannwhitneyu's asymptotic method); effect = U / (n₁·n₂), the probability that a feature of the basis scores above one of the other, ties counting half.</dd>
            <dt>Match matrix</dt>
            <dd>For bases i and j: the mean, over the unit-normalised directions of i (a seeded sample of ${int(MATCH_SAMPLE)} when i has more), of the largest |cosine| with any unit-normalised direction of j.</dd>
            <dt>Basis quality</dt>
            <dd>On the rows held out from fitting: explained variance 1 − SSE / SST (SST about the held-out mean); MSE per element; reconstruction cosine, the mean cosine between a row and its reconstruction over the rows with non-zero norm (all-zero rows, common after a ReLU, have no direction; the table says how many were left out); L0, the mean number of features with |f| &gt; 10⁻⁸ per row; dead, the fraction of features never active; dense, the fraction active on more than 10 % of rows.</dd>
          </dl>`
        : ''
    }
  `;
}
