// HTML for reports, escaped by default: the `html` template escapes every value it interpolates unless the value is
// markup already built by `html` (or wrapped with `trusted`, for the SVG that ECharts writes), so a title, a basis
// name or a label cannot open a tag, whatever it contains.

/** A piece of markup that is already safe to insert. */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Markup produced by code we trust (ECharts' SVG); never for anything a user typed. */
export function trusted(text: string): Markup {
  return new Markup(text);
}

type Value = Markup | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: literal parts as written, every interpolated value escaped (Markup and arrays of it as is). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Markup(out);
}

/** A data: URL for an <img src>, only when it is an inline PNG, JPEG or GIF; anything else (a remote URL) is dropped. */
export function imageDataUrl(url: string): string | null {
  return /^data:image\/(png|jpeg|gif);base64,[A-Za-z0-9+/=]+$/.test(url) ? url : null;
}
