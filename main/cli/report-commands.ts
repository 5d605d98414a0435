// `cajal report`: a report as one self-contained HTML file — a fresh comparison of a harvest's bases kept as a new
// report, or a report made earlier (in the app or by this command). Through the router, as the UI does it.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { Result } from '../api/contract';
import { UserError } from '../errors';
// room: export — --pdf
import { checkTarget } from '../export/target';
import { choosePrinter, writePdf } from '../report/pdf';
import { int, withProject } from './feature-commands';
import { out } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

const report = {
  usage: `cajal report --project FILE (--compare HARVEST_ID | --frontier HARVEST_ID | --report ID) [--out FILE.html] [--bootstrap N] [--seed S] [--json]
  Writes a report as one self-contained HTML file: inline CSS, charts as inline SVG, images inline, nothing fetched.
  --compare ID   compare the bases of harvest ID (as cajal compare does), keep the comparison in the project as a new
                 report, and write it
  --frontier ID  the sparsity frontier of harvest ID (every finished basis at its held-out L0 and explained variance,
                 two frontiers compared at equal L0, as the Bases panel draws it) as a new report, and write it
  --pair A,B     with --frontier: the two methods compared at equal L0 (default sae-batchtopk,sae-topk where both
                 have runs, else the first two swept methods with runs)
  --report ID    write a report made earlier (in the app's Reports panel, or by --compare)
  --out FILE     where to write it (default: the report's file name, in the current folder)
  --pdf FILE     also print it to PDF (A4, title and page numbers in the margins) with a Chromium found on the
                 machine: /usr/bin/chromium, or --chromium PATH, or CAJAL_CHROMIUM; without one the HTML is still
                 written and the command says so`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    compare: { type: 'string' },
    frontier: { type: 'string' }, // h12front (#12)
    pair: { type: 'string' },
    report: { type: 'string' },
    out: { type: 'string' },
    bootstrap: { type: 'string' },
    seed: { type: 'string' },
    pdf: { type: 'string' },
    chromium: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    const harvestId = int(v.compare, 'compare');
    const frontierId = int(v.frontier, 'frontier'); // h12front (#12)
    const reportId = int(v.report, 'report');
    if ([harvestId, frontierId, reportId].filter((x) => x !== undefined).length !== 1) {
      throw new UserError('cli.usage', 'it takes one of --compare HARVEST_ID or --frontier HARVEST_ID (a new report) or --report ID (an existing one).');
    }
    const pair = typeof v.pair === 'string' ? v.pair.split(',').map((m) => m.trim()) : null;
    if (pair && (frontierId === undefined || pair.length !== 2 || pair.some((m) => !m))) {
      throw new UserError('cli.usage', frontierId === undefined ? '--pair goes with --frontier: it names the two frontiers compared at equal L0.' : `--pair takes two method names separated by a comma (e.g. sae-batchtopk,sae-topk), not "${String(v.pair)}".`);
    }
    // Where the file goes is checked before the project is opened, so a bad --out changes nothing.
    const target = typeof v.out === 'string' ? resolve(v.out) : null;
    if (target && !(existsSync(dirname(target)) && statSync(dirname(target)).isDirectory())) {
      throw new UserError('cli.usage', `There is no folder ${dirname(target)} to write the report into.`);
    }
    const pdfTarget = typeof v.pdf === 'string' ? checkTarget(v.pdf, 'the PDF') : null;
    return withProject(v, async (_lab, call) => {
      let id = reportId!;
      if (harvestId !== undefined) {
        const sent = (await call('reports.addComparison', { reportId: null, harvestId, bootstrap: int(v.bootstrap, 'bootstrap'), seed: int(v.seed, 'seed') })) as Result<'reports.addComparison'>;
        id = sent.report.id;
      } else if (frontierId !== undefined) {
        const sent = (await call('reports.addFrontier', { reportId: null, harvestId: frontierId, a: pair?.[0] ?? null, b: pair?.[1] ?? null })) as Result<'reports.addFrontier'>;
        id = sent.report.id;
      }
      const { fileName, html } = (await call('reports.render', { id })) as Result<'reports.render'>;
      const path = target ?? resolve(fileName);
      writeFileSync(path, html);
      const bytes = Buffer.byteLength(html);
      if (!v.json) process.stdout.write(`Report ${id} written to ${path} (${Math.ceil(bytes / 1024).toLocaleString('en-US')} KB).\n`);
      // After the HTML is written: with no Chromium the command says so in one sentence, and the HTML stays.
      const pdf = pdfTarget ? await writePdf(html, pdfTarget, choosePrinter(typeof v.chromium === 'string' ? v.chromium : undefined)) : null;
      if (v.json) out({ ok: true, reportId: id, path, bytes, ...(pdf ? { pdf } : {}) });
      else if (pdf) process.stdout.write(`PDF written to ${pdf.path} (${pdf.pages} ${pdf.pages === 1 ? 'page' : 'pages'}).\n`);
      return 0;
    });
  },
};

export const reportCommands = { report };
