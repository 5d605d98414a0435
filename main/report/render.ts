// A report as ONE self-contained HTML file: inline CSS, charts as inline SVG, images as data: URIs, no scripts and
// nothing fetched — its own Content-Security-Policy forbids every fetch but data: images, so it stays inert and
// offline wherever it is opened. Sections in order, then Methods, then provenance.
import type { ReportInfo, ReportSectionInfo } from './types';
import { utc } from './format';
import { html, trusted, type Markup } from './html';
import { methodsPart } from './methods';
import { collectionSection } from './sections/collection';
import { comparisonSection } from './sections/comparison';
import { lesionSection } from './sections/lesion'; // lesions (#10)
import { revcorrSection } from './sections/revcorr'; // revcorr (#11)
import { tcaSection } from './sections/tca'; // tca (#15)
import { frontierSection } from './sections/frontier'; // h12front (#12)
import type { CollectionSnapshot, ComparisonSnapshot, FrontierSnapshot, LesionRunSnapshot, RevcorrRunSnapshot, SectionSnapshot, TcaSweepSnapshot } from './snapshot';
import { REPORT_CSS, REPORT_CSS_SOURCE } from './style';
// room: export — the reproduce appendix
import { reproducePart } from './reproduce';

export type RenderSection = Pick<ReportSectionInfo, 'id' | 'title' | 'createdAt'> & SectionSnapshot;

export interface RenderInput {
  report: Pick<ReportInfo, 'id' | 'title' | 'createdAt' | 'updatedAt'>;
  sections: RenderSection[];
  cajalVersion: string;
  renderedAt: string;
}

const CSP = `default-src 'none'; img-src data:; style-src ${REPORT_CSS_SOURCE}; base-uri 'none'; form-action 'none'`;

/** A file name from the title: letters, digits and dashes, with the report id so two reports never collide. */
export function reportFileName(id: number, title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .toLowerCase()
    .slice(0, 60)
    .replace(/-+$/, '');
  return `cajal-report-${id}${slug ? `-${slug}` : ''}.html`;
}

function sectionBody(s: RenderSection): Markup {
  if (s.kind === 'lesion') return lesionSection(s.snapshot); // lesions (#10)
  if (s.kind === 'revcorr') return revcorrSection(s.snapshot); // revcorr (#11)
  if (s.kind === 'tca') return tcaSection(s.snapshot); // tca (#15)
  if (s.kind === 'frontier') return frontierSection(s.snapshot); // h12front (#12)
  return s.kind === 'comparison' ? comparisonSection(s.snapshot) : collectionSection(s.snapshot);
}

function provenance(input: RenderInput): Markup {
  const snaps: (ComparisonSnapshot | CollectionSnapshot | LesionRunSnapshot | RevcorrRunSnapshot | TcaSweepSnapshot | FrontierSnapshot)[] = input.sections.map((s) => s.snapshot); // lesions (#10): LesionRunSnapshot; tca (#15): TcaSweepSnapshot; h12front (#12)
  const projects = [...new Set(snaps.map((s) => s.project))];
  const versions = [...new Set(snaps.map((s) => s.cajalVersion))];
  return html`<table class="kv">
    <tr><th>Report</th><td>#${input.report.id}, created ${utc(input.report.createdAt)}, last changed ${utc(input.report.updatedAt)}</td></tr>
    <tr><th>Rendered</th><td>${utc(input.renderedAt)} by Cajal ${input.cajalVersion}</td></tr>
    <tr><th>Project file</th><td>${projects.length ? projects.join(', ') : '—'}</td></tr>
    <tr><th>Sections made by</th><td>${versions.length ? versions.map((v) => `Cajal ${v}`).join(', ') : '—'}</td></tr>
  </table>`;
}

export function renderReport(input: RenderInput): { fileName: string; html: string } {
  const { report, sections } = input;
  const definitions = sections.flatMap((s) => s.snapshot.definitions);
  const comparisons = sections.flatMap((s) => (s.kind === 'comparison' ? [{ bootstrap: s.snapshot.comparison.bootstrap, seed: s.snapshot.comparison.seed }] : []));
  const basisMethods = sections.flatMap((s) => (s.kind === 'comparison' || s.kind === 'frontier' ? (s.snapshot.basisDefinitions ?? []) : [])); // h12front: a frontier's methods too
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta http-equiv="Content-Security-Policy" content="${CSP}" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="generator" content="Cajal ${input.cajalVersion}" />
<title>${report.title}</title>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
<main>
<h1>${report.title}</h1>
<p class="muted">A Cajal report · ${sections.length} ${sections.length === 1 ? 'section' : 'sections'} · rendered ${utc(input.renderedAt)}</p>
${
  sections.length
    ? html`<ol class="toc">${sections.map((s) => html`<li><a href="#section-${s.id}">${s.title}</a> <span class="muted small">(${s.kind}, sent ${utc(s.createdAt)})</span></li>`)}<li><a href="#methods">Methods</a></li><li><a href="#provenance">Provenance</a></li><li><a href="#reproduce">Reproduce</a></li></ol>`
    : html`<p class="muted">This report has no sections yet: send a comparison from the Compare panel or a collection from the Features panel.</p>`
}
${sections.map(
  (s, i) => html`<section id="section-${s.id}" data-kind="${s.kind}">
<h2>${i + 1}. ${s.title}</h2>
<p class="muted small">Sent ${utc(s.snapshot.takenAt)} from ${s.snapshot.project} with Cajal ${s.snapshot.cajalVersion}; what follows is the data as it was then.</p>
${sectionBody(s)}
</section>`,
)}
<section id="methods">
<h2>Methods</h2>
${methodsPart(definitions, comparisons, basisMethods)}
</section>
<section id="provenance">
<h2>Provenance</h2>
${provenance(input)}
</section>
<section id="reproduce">
<h2>Reproduce</h2>
${reproducePart(
  sections.flatMap((s) => (s.snapshot.reproduce ? [s.snapshot.reproduce] : [])),
  sections.filter((s) => !s.snapshot.reproduce).length,
)}
</section>
<footer>Made with Cajal ${input.cajalVersion}, a lab for studying artificial neural networks. This file is self-contained: it loads nothing from the network.</footer>
</main>
</body>
</html>
`;
  return { fileName: reportFileName(report.id, report.title), html: doc.text };
}
