// A text feature's card body in a report (room: text, #13): its top contexts with every token shaded by the feature's
// activation and the token each context is shown for outlined, then the tokens its top rows most often are — what the
// app's token-context browser (renderer TokenContexts.vue) shows. The report's Content-Security-Policy allows its one
// stylesheet and no inline style attributes, so each context is drawn as SVG, whose fill and stroke are attributes:
// a monospace box per token, wrapped into lines, its text fitted to the box with textLength.
import { num } from '../format';
import { html, type Markup } from '../html';
import type { TokenContextsSnapshot } from '../snapshot';

const CHAR_W = 7;
const LINE_H = 18;
const WIDTH = 980;
const LABEL_W = 64;

/** Whitespace and control bytes made visible, so every token has a box to shade (as the app shows them). */
export function visibleToken(text: string): string {
  return text.replace(/ /g, '\u00a0').replace(/<0x0A>|\n/g, '⏎').replace(/<0x09>|\t/g, '→');
}

/** A token named on its own (the top-tokens list): a space as ␣, since an unshaded space box would read as nothing. */
function namedToken(text: string): string {
  return visibleToken(text.replace(/ /g, '␣'));
}

/** Orange for positive activations, blue for negative, opacity by |activation| over the shown tokens' largest. */
export function tokenShade(a: number, scale: number): { fill: string; opacity: number } {
  if (!(scale > 0) || a === 0) return { fill: 'none', opacity: 0 };
  const opacity = Number((Math.min(1, Math.abs(a) / scale) * 0.85).toFixed(3));
  return { fill: a > 0 ? 'rgb(255,140,0)' : 'rgb(60,120,255)', opacity };
}

function contextSvg(c: TokenContextsSnapshot['contexts'][number], scale: number): Markup {
  const boxes: { x: number; y: number; w: number; text: string; t: (typeof c.tokens)[number]; max: boolean }[] = [];
  let x = LABEL_W;
  let y = 0;
  c.tokens.forEach((t, i) => {
    const text = visibleToken(t.text);
    const w = Math.max(1, [...text].length) * CHAR_W;
    if (x + w > WIDTH && x > LABEL_W) {
      x = LABEL_W;
      y += LINE_H;
    }
    boxes.push({ x, y, w, text, t, max: i === c.position });
    x += w;
  });
  const height = y + LINE_H + 2;
  const title = `${c.contextName ?? `context ${c.context}`} · row ${c.row} · activation ${num(c.activation, 4)}`;
  // Font attributes are inherited from the <svg>, so each token's box is a rect and a text with positions only.
  return html`<svg class="tokctx" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}" data-row="${c.row}" data-activation="${c.activation}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="11.5">
    <title>${title}</title>
    <text x="${LABEL_W - 6}" y="13" text-anchor="end" font-size="11" fill="#5d6875">${num(c.activation)}</text>
    ${boxes.map((b) => {
      const s = tokenShade(b.t.activation, scale);
      return html`<g class="${b.max ? 'tok max' : 'tok'}" data-activation="${b.t.activation}"><rect x="${b.x}" y="${b.y + 1}" width="${b.w}" height="${LINE_H - 2}" fill="${s.fill}" fill-opacity="${s.opacity}"${b.max ? html` stroke="#d33" stroke-width="2"` : ''} /><text x="${b.x}" y="${b.y + 13}" textLength="${b.w}" lengthAdjust="spacingAndGlyphs"${b.max ? html` font-weight="600"` : ''}>${b.text}</text></g>`;
    })}
  </svg>`;
}

/** The card body of a text feature: shaded top contexts and top tokens. */
export function tokenContextsMarkup(t: TokenContextsSnapshot): Markup {
  return html`<div class="tokcontexts">
    <p class="small muted">Top contexts: each token shaded by the feature's activation (orange positive, blue negative), the outlined token the top row the context is shown for.</p>
    ${t.contexts.map((c) => contextSvg(c, t.scale))}
    ${t.topTokens.length ? html`<p class="small toptokens">Top tokens: ${t.topTokens.map((k, i) => html`${i ? ', ' : ''}<code>${namedToken(k.text)}</code> × ${k.count}`)}</p>` : ''}
  </div>`;
}
