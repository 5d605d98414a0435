// A collection section: the pinned features, each with its basis, summary statistics, metrics (with z-scores against
// random directions), label counts among its top stimuli, activation histogram and top-stimulus thumbnails.
import type { MetricName } from '../../analyses/types';
import { histogramChart } from '../charts';
import { int, num, pct } from '../format';
import { html, imageDataUrl, type Markup } from '../html';
import type { CollectionFeature, CollectionSnapshot } from '../snapshot';
import { basesTable, harvestTable } from './comparison';
import { tokenContextsMarkup } from './token-contexts'; // room: text (#13)

function featureCard(s: CollectionSnapshot, f: CollectionFeature): Markup {
  const basis = s.bases.find((b) => b.basisId === f.basisId);
  const name = basis ? `${basis.name} (${basis.method}, #${basis.basisId})` : `basis #${f.basisId}`;
  const metrics = Object.keys(f.metrics).sort() as MetricName[];
  const title = (m: MetricName) => s.definitions.find((d) => d.name === m)?.title ?? m;
  return html`<article class="feature" data-basis="${f.basisId}" data-feature="${f.feature}">
    <header><h4>Feature ${f.feature}</h4><span class="muted">${name}</span></header>
    <div class="body">
      <div>
        <table class="kv">
          <tr><th>density</th><td class="n">${pct(f.density, 2)}</td></tr>
          <tr><th>mean</th><td class="n">${num(f.mean)}</td></tr>
          <tr><th>range</th><td class="n">[${num(f.min)}, ${num(f.max)}]</td></tr>
        </table>
        <figure>${histogramChart(f.histogram.edges, f.histogram.counts, `Activation histogram of feature ${f.feature}`)}<figcaption>activations, all rows</figcaption></figure>
      </div>
      ${
        metrics.length
          ? html`<table>
              <tr><th>metric</th><th class="n">value</th><th class="n">z vs random</th></tr>
              ${metrics.map((m) => html`<tr><td>${title(m)}</td><td class="n">${num(f.metrics[m])}</td><td class="n">${num(f.zScores[m] ?? null, 2)}</td></tr>`)}
            </table>`
          : html`<p class="muted">No metric computed.</p>`
      }
      ${f.labelCounts?.length ? html`<p class="small">Labels among the top stimuli: ${f.labelCounts.map((l, i) => html`${i ? ', ' : ''}${l.name} × ${l.count}`)}</p>` : ''}
    </div>
    ${f.text ? tokenContextsMarkup(f.text) : '' /* room: text (#13): a text feature shows token contexts, not images */}
    ${f.text ? '' : html`<div class="thumbs">
      ${f.top.map((t) => {
        const src = imageDataUrl(t.thumbnail);
        const caption = `${num(t.activation)}${t.labelName !== null ? ` · ${t.labelName}` : ''}`;
        // Rows imported without stimuli keep their activation and label; the index stands where a picture would.
        return src
          ? html`<figure><img src="${src}" alt="stimulus ${t.stimulusIndex}" /><figcaption>${caption}</figcaption></figure>`
          : html`<figure><div class="noimg">#${int(t.stimulusIndex)}</div><figcaption>${caption}</figcaption></figure>`;
      })}
    </div>`}
    ${!f.text && f.top.length && f.top.every((t) => !imageDataUrl(t.thumbnail)) ? html`<p class="small muted">Imported without stimuli: no images to show, only each row's activation and label.</p>` : ''}
  </article>`;
}

export function collectionSection(s: CollectionSnapshot): Markup {
  return html`
    <p>${int(s.features.length)} pinned ${s.features.length === 1 ? 'feature' : 'features'} of ${s.bases.length} ${s.bases.length === 1 ? 'basis' : 'bases'}. Under each: its strongest stimuli, with their activation and label.</p>
    ${s.harvests.map((h) => harvestTable(h))}
    ${basesTable(s.bases)}
    ${s.features.map((f) => featureCard(s, f))}
  `;
}
