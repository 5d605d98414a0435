// The report's reproduce appendix: the `cajal` commands that rebuild its numbers in a new project — each harvest
// from its model file and stimuli, each basis fitted with its stored parameters and seed, its feature statistics
// and metric runs with theirs, then each comparison with its bootstrap and seed — and the SHA-256 of every input
// file, so a reader can check they hold the same model and stimuli. A new project numbers harvests and bases from
// 1 in the order they are made, so the commands use those numbers (a table maps them to this report's).
import { html, type Markup } from './html';
import type { ReproduceBasis, ReproduceHarvest, ReproduceRecord } from './reproduce-types';

export const REPRODUCE_PROJECT = 'reproduced.cajal';

/** One shell word: bare when safe, else single-quoted. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const cmd = (words: (string | number)[]) => ['cajal', ...words.map((w) => sh(String(w)))].join(' ');

/** Records of several sections as one: each harvest, basis, comparison and file once. */
export function mergeRecords(records: ReproduceRecord[]): ReproduceRecord {
  const by = <T>(items: T[], key: (t: T) => string | number) => [...new Map(items.map((t) => [key(t), t])).values()];
  return {
    harvests: by(records.flatMap((r) => r.harvests), (h) => h.harvestId).sort((a, b) => a.harvestId - b.harvestId),
    bases: by(records.flatMap((r) => r.bases), (b) => b.basisId).sort((a, b) => a.basisId - b.basisId),
    comparisons: by(records.flatMap((r) => r.comparisons), (c) => `${c.harvestId}/${c.bootstrap}/${c.seed}`),
    inputs: by(records.flatMap((r) => r.inputs), (f) => f.path),
    manifests: by(records.flatMap((r) => r.manifests), (m) => m.path),
  };
}

interface Recipe {
  width: number;
  height: number;
  channels: number;
  channelOrder: string;
  resize: string;
  scale: number;
  mean: number[];
  std: number[];
  layout: string;
}

/** `cajal harvest` for one harvest, and what its flags cannot say (to be done by hand). */
function harvestCommand(h: ReproduceHarvest, project: string): { line: string | null; notes: string[] } {
  const notes: string[] = [];
  const s = h.stimuli;
  if (h.source !== 'model' || !h.model || !s) return { line: null, notes: [`Harvest ${h.harvestId} holds imported activations (${h.rows} rows of ${h.tensor}); import the same .npy again with cajal import-activations.`] };
  let stimuli: string;
  const extra: (string | number)[] = [];
  if (s.kind === 'mnist') {
    stimuli = `mnist:${String(s.count)}`;
    if (s.offset !== 0) notes.push(`Harvest ${h.harvestId} starts at MNIST digit ${String(s.offset)}, which the command line cannot say; use the app's Stimuli panel.`);
    if (s.order !== undefined && s.order !== 'interleaved') notes.push(`Harvest ${h.harvestId} takes MNIST digits ${String(s.order)}, which the command line cannot say; use the app's Stimuli panel.`);
  } else if (s.kind === 'folder') {
    stimuli = `folder:${String(s.path)}`;
    if (s.labelsFromSubfolders) extra.push('--labels-from-subfolders');
    // room: stimuli (#14) — a new project decodes photos by image decoder 2; a decoder-1 set needs the API's spec field
    if (s.decoder === undefined) notes.push(`Harvest ${h.harvestId}'s photos were decoded by image decoder 1 (jpeg-js, pngjs); in a new project the command line decodes by decoder 2 (libjpeg-turbo, libpng), whose JPEG pixels differ, so create the set with decoder 1 through the API (stimuli.create) first.`);
  } else {
    const dist = String(s.distribution);
    stimuli = `noise:${dist === 'gaussian' ? 'white' : dist}:${String(s.count)}`;
    if (s.seed !== 0 || s.mean !== 0 || s.std !== 1) notes.push(`Harvest ${h.harvestId}'s noise has seed ${String(s.seed)}, mean ${String(s.mean)}, sd ${String(s.std)}; the command line makes seed 0, mean 0, sd 1.`);
    if (Array.isArray(s.itemShape)) extra.push('--item-shape', s.itemShape.join(',')); // room: i8
    // room: stimuli (#14) — a new project draws white and pink noise by generator 2; a generator-1 set says so on the line
    if ((dist === 'gaussian' || dist === 'pink') && s.generator === undefined) extra.push('--noise-generator', 1);
  }
  for (const [name, value] of Object.entries(h.inputs ?? {})) extra.push('--input', `${name}=${value}`); // room: i8
  const r = s.recipe as Recipe | undefined;
  if (r) {
    extra.push('--size', `${r.width}x${r.height}`, '--channels', r.channels, '--order', r.channelOrder, '--scale', r.scale, '--mean', r.mean.join(','), '--std', r.std.join(','), '--layout', r.layout);
    if (r.resize !== 'center-crop') notes.push(`Harvest ${h.harvestId} resized its images by ${r.resize}; the command line centre-crops.`);
  }
  return { line: cmd(['harvest', '--project', project, '--model', h.model.path, '--tensor', h.tensor, '--stimuli', stimuli, '--positions', h.positions, ...extra]), notes };
}

function basisCommands(b: ReproduceBasis, harvestNo: number, basisNo: number, project: string): { lines: string[]; notes: string[] } {
  const notes: string[] = [];
  if (b.imported) return { lines: [], notes: [`Basis ${b.basisId} (${b.name}) was imported, not fitted; import the same SAE again with cajal import-sae.`] };
  const params = Object.entries(b.params).flatMap(([k, v]) => ['--param', `${k}=${String(v)}`]);
  const lines = [cmd(['fit', '--project', project, '--harvest', harvestNo, '--method', b.method, '--seed', b.seed, ...params])];
  if (b.unexpressible.length) notes.push(`Basis ${b.basisId} (${b.name}) has parameters a flag cannot carry: ${b.unexpressible.join(', ')}; set them in the app's fit dialog.`);
  if (b.featureStats) lines.push(cmd(['features', '--project', project, '--basis', basisNo, '--top', b.featureStats.topK, '--bands', b.featureStats.bands]));
  for (const m of b.metricRuns) {
    const words: (string | number)[] = ['metrics', '--project', project, '--basis', basisNo, ...m.metrics.flatMap((x) => ['--metric', x]), '--trials', m.trials, '--seed', m.seed, '--afc-pool', m.afcPool];
    if (m.perceptualModel) words.push('--perceptual-model', m.perceptualModel.path);
    if (m.perceptualPreset) words.push('--perceptual-preset', m.perceptualPreset);
    lines.push(cmd(words));
  }
  return { lines, notes };
}

/** The commands, in order, with the new project's numbers; and the notes for what they cannot do. */
export function reproduceCommands(r: ReproduceRecord, project = REPRODUCE_PROJECT): { commands: string[]; notes: string[]; harvestNo: Map<number, number>; basisNo: Map<number, number> } {
  const commands: string[] = [];
  const notes: string[] = [];
  const harvestNo = new Map<number, number>();
  const basisNo = new Map<number, number>();
  for (const h of r.harvests) {
    const { line, notes: n } = harvestCommand(h, project);
    notes.push(...n);
    if (line) {
      harvestNo.set(h.harvestId, harvestNo.size + 1);
      commands.push(line);
    }
  }
  for (const b of r.bases) {
    const h = harvestNo.get(b.harvestId);
    if (h === undefined) {
      notes.push(`Basis ${b.basisId} (${b.name}) is of harvest ${b.harvestId}, which the commands cannot rebuild.`);
      continue;
    }
    const no = basisNo.size + 1;
    const { lines, notes: n } = basisCommands(b, h, no, project);
    notes.push(...n);
    if (lines.length) {
      basisNo.set(b.basisId, no);
      commands.push(...lines);
    }
  }
  for (const c of r.comparisons) {
    const h = harvestNo.get(c.harvestId);
    if (h !== undefined) commands.push(cmd(['compare', '--project', project, '--harvest', h, '--bootstrap', c.bootstrap, '--seed', c.seed]));
  }
  return { commands, notes, harvestNo, basisNo };
}

export function reproducePart(records: ReproduceRecord[], sectionsWithout: number): Markup {
  if (!records.length) {
    return sectionsWithout
      ? html`<p class="muted">The sections of this report were sent before Cajal recorded how to rebuild them; send them again to get the commands.</p>`
      : html`<p class="muted">This report has no sections yet, so there is nothing to rebuild.</p>`;
  }
  const r = mergeRecords(records);
  const { commands, notes, harvestNo, basisNo } = reproduceCommands(r);
  return html`<p>Run these commands in order, in a folder without <code>${REPRODUCE_PROJECT}</code>: they make a new project and rebuild this report's numbers from the model file and the stimuli, with the stored parameters and seeds. The model and stimulus files must hold the digests listed below (paths are those of the machine that made the report; use your copies).</p>
<pre class="commands" data-reproduce="commands">${commands.join('\n')}</pre>
${notes.length ? html`<ul class="departure">${notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
${sectionsWithout ? html`<p class="muted small">${sectionsWithout} ${sectionsWithout === 1 ? 'section was' : 'sections were'} sent before Cajal recorded how to rebuild them and ${sectionsWithout === 1 ? 'is' : 'are'} not covered.</p>` : ''}
<h3>Numbers in the new project</h3>
<table data-table="reproduce-ids"><thead><tr><th>in this report</th><th>in ${REPRODUCE_PROJECT}</th></tr></thead>
<tbody>${r.harvests.filter((h) => harvestNo.has(h.harvestId)).map((h) => html`<tr><td>harvest ${h.harvestId} (${h.tensor})</td><td>harvest ${harvestNo.get(h.harvestId)!}</td></tr>`)}${r.bases
    .filter((b) => basisNo.has(b.basisId))
    .map((b) => html`<tr><td>basis ${b.basisId} (${b.name})</td><td>basis ${basisNo.get(b.basisId)!}</td></tr>`)}</tbody></table>
<h3>Input files</h3>
<table data-table="inputs"><thead><tr><th>input</th><th>file</th><th class="n">bytes</th><th>SHA-256</th></tr></thead>
<tbody>${r.inputs.map((f) => html`<tr><td>${f.role}</td><td class="mono">${f.path}</td><td class="n">${f.bytes.toLocaleString('en-US')}</td><td class="mono" data-sha256="${f.path}">${f.sha256}</td></tr>`)}${r.manifests.map(
    (m) => html`<tr><td>${m.role}</td><td class="mono">${m.path} (${m.files.toLocaleString('en-US')} files)</td><td class="n">—</td><td class="mono">manifest ${m.sha256}</td></tr>`,
  )}</tbody></table>
${r.manifests.length ? html`<p class="muted small">A manifest digest is the SHA-256 of the folder's list of files, one line per file: its SHA-256, two spaces, its path in the folder, sorted by path (as <code>sha256sum</code> prints them).</p>` : ''}`;
}
