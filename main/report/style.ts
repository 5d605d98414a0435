// The report's one stylesheet, inlined in <head>. It is a constant (nothing interpolated), so its SHA-256 is a constant
// too: the report's own Content-Security-Policy allows exactly this stylesheet, and so does the app's (renderer/
// index.html), which lets the Reports panel preview a report in a sandboxed srcdoc iframe (it inherits the app's
// policy) without allowing inline styles in general. Change the CSS and a unit test prints the new hash for index.html.
import { createHash } from 'node:crypto';

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1d232b; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 6px; padding-top: 10px; border-top: 2px solid #1d232b; }
h3 { font-size: 14px; margin: 20px 0 6px; }
h4 { font-size: 13px; margin: 12px 0 4px; }
p { margin: 6px 0; }
.muted { color: #5d6875; }
.small { font-size: 11px; }
.mono, code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 11.5px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e2e5ea; text-align: left; vertical-align: top; }
th { font-weight: 600; color: #3b4450; border-bottom: 1px solid #9aa3ae; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sig { font-weight: 700; color: #2f7a44; }
table.kv th { border-bottom: 1px solid #e2e5ea; }
.toc { margin: 10px 0 0; padding-left: 20px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 11px; color: #5d6875; margin-top: 2px; }
.feature { border: 1px solid #e2e5ea; border-radius: 4px; padding: 8px 10px; margin: 10px 0; break-inside: avoid; }
.feature header { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.feature .body { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
.thumbs { display: flex; gap: 4px; flex-wrap: wrap; }
.thumbs figure { width: 64px; text-align: center; }
.thumbs img { width: 64px; height: 64px; object-fit: contain; image-rendering: pixelated; background: #000; display: block; }
.thumbs .noimg { width: 64px; height: 64px; display: flex; align-items: center; justify-content: center; border: 1px dashed #bbb; color: #777; font-size: 10px; }
.thumbs figcaption { margin: 0; font-size: 10px; }
dl.methods dt { font-weight: 600; margin-top: 12px; }
dl.methods dd { margin: 2px 0 0 16px; }
.departure { color: #8a4b0f; }
pre.commands { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 10.5px; background: #f4f5f7; padding: 8px 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { margin-top: 32px; font-size: 11px; color: #5d6875; border-top: 1px solid #e2e5ea; padding-top: 8px; }
@media print {
  body { background: #fff; } main { max-width: none; padding: 0; } h2 { break-before: page; } h3, h4 { break-after: avoid; }
  .charts { display: block; } figure, figure svg, .feature { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; } tr { break-inside: avoid; } .toc a { color: inherit; }
}
@page { size: A4; margin: 16mm 12mm 16mm 12mm; }
`;

/** The CSP source that allows exactly REPORT_CSS as an inline <style>. */
export const REPORT_CSS_SOURCE = `'sha256-${createHash('sha256').update(REPORT_CSS, 'utf8').digest('base64')}'`;
