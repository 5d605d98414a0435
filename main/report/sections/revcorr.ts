// A receptive-field section (#11): what was mapped (harvest or basis, units, estimator and its settings, stimuli) and,
// per unit, its filter drawn on a diverging scale (red positive, blue negative, white 0) with the LN model's held-out
// explained variance, ridge's λ and STC's significant axes.
import { int, num } from '../format';
import { html, imageDataUrl, type Markup } from '../html';
import type { RevcorrRunSnapshot } from '../snapshot';
import { basesTable, harvestTable } from './comparison';

const ESTIMATOR: Record<string, string> = {
  sta: 'spike-triggered average (response-weighted mean of the stimuli)',
  ridge: 'ridge-regularised linear receptive field, λ by cross-validation',
  stc: 'spike-triggered covariance, axes tested nested against shuffled nulls',
};

export function revcorrSection(s: RevcorrRunSnapshot): Markup {
  const p = s.run.params as { transform?: { kind: string; value?: number }; nulls?: number; seed?: number };
  const summary = (s.run.summary ?? {}) as { rowsUsed?: number; rows?: number; meanHeldOutEv?: number };
  return html`
    <p>${s.units.length} ${s.basis ? `features of ${s.basis.name}` : `units of ${s.harvest.tensor}`} mapped by ${ESTIMATOR[s.run.estimator] ?? s.run.estimator}
      over ${int(summary.rows ?? 0)} stimuli of shape [${s.run.itemShape.join(' × ')}]; every fifth stimulus held out for the LN model's
      explained variance (mean ${num(summary.meanHeldOutEv ?? null)}). Responses: ${p.transform?.kind ?? 'raw'}${p.transform?.value !== undefined ? ` ${num(p.transform.value)}` : ''}${p.nulls ? `; ${int(p.nulls)} shuffled nulls` : ''}.</p>
    ${harvestTable(s.harvest)}
    ${s.basis ? basesTable([s.basis]) : ''}
    <div class="thumbs">
      ${s.units.map((u) => {
        const title = `${u.name}${u.heldOutEv !== null ? ` · EV ${num(u.heldOutEv)}` : ''}${u.lambda !== null ? ` · λ ${u.lambda.toExponential(1)}` : ''}${u.stcAxes ? ` · STC ${u.stcAxes.map((a) => `${a.sign[0]}${num(a.value, 2)}`).join(' ') || 'none'}` : ''}`;
        return html`<figure title="${title}">${u.images.map((img) => {
          const src = imageDataUrl(img);
          return src ? html`<img src="${src}" alt="filter of ${u.name}" style="background:#fff" />` : '';
        })}<figcaption>${u.name}${u.heldOutEv !== null ? html`<br />EV ${num(u.heldOutEv)}` : ''}</figcaption></figure>`;
      })}
    </div>
    <table>
      <tr><th>unit</th><th class="n">LN EV (held out)</th><th class="n">λ</th><th>STC axes</th><th>note</th></tr>
      ${s.units.map((u) => html`<tr><td>${u.name}</td><td class="n">${num(u.heldOutEv)}</td><td class="n">${u.lambda === null ? '—' : u.lambda.toExponential(1)}</td><td>${u.stcAxes ? u.stcAxes.map((a) => `${a.sign} ${num(a.value, 3)}`).join(', ') || 'none significant' : '—'}</td><td>${u.note ?? ''}</td></tr>`)}
    </table>`;
}
