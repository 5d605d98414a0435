// `cajal export`: the lab's data in the field's formats — a harvest's activations and a basis' feature activations
// or directions as .npy (streamed: larger than memory works), feature statistics, metric values and comparisons as
// CSV or Parquet. The same service as the app's export buttons, on the project file opened directly: no job manager
// or service worker is started, so a streamed export's memory is one chunk above the runtime's own.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors';
import { checkTarget } from '../export/target';
import { EXPORT_FORMATS, EXPORT_WHATS, type ExportFormat, type ExportWhat } from '../export/types';
import { exportData } from '../services/export';
import { openProjectDb } from '../store/project';
import { int } from './feature-commands';
import { out } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

const exportCommand = {
  usage: `cajal export --project FILE --what WHAT (--harvest ID | --basis ID) --format npy|csv|parquet --out PATH [--json]
  WHAT:
    activations  a harvest's activations, rows × d float32 .npy (--harvest), streamed chunk by chunk
    features     a basis' feature activations over its harvest, rows × m float32 .npy (--basis), streamed
    directions   a basis' directions in activation space, m × d float32 .npy (--basis)
    stats        a basis' feature statistics (feature, density, mean, min, max) as CSV or Parquet (--basis)
    metrics      a basis' metric values per feature, with z-scores against the random null (--basis)
    comparison   the comparison of a harvest's bases: one row per basis and metric, medians, 95 % CIs and
                 Mann–Whitney tests against neurons and random directions (--harvest)
  The output's folder must exist; the file appears only once complete, and the project is only read.`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    what: { type: 'string' },
    harvest: { type: 'string' },
    basis: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    const what = v.what as ExportWhat;
    if (!EXPORT_WHATS.includes(what)) throw new UserError('cli.usage', `--what takes one of ${EXPORT_WHATS.join(', ')}${v.what === undefined ? '' : `, not ${String(v.what)}`}.`);
    const format = (v.format ?? 'npy') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new UserError('cli.usage', `--format takes npy, csv or parquet, not ${String(v.format)}.`);
    if (typeof v.out !== 'string') throw new UserError('cli.usage', 'Say where to write the export with --out PATH.');
    const harvestId = int(v.harvest, 'harvest');
    const basisId = int(v.basis, 'basis');
    // The target folder is checked before the project is opened, so a bad --out touches nothing.
    checkTarget(v.out, `the ${what} export`);
    for (const [flag, id] of [['harvest', harvestId], ['basis', basisId]] as const) {
      if (id !== undefined && id < 1) throw new UserError('cli.usage', `--${flag} takes a positive id, not ${id}.`);
    }
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    const projectPath = resolve(v.project);
    if (!existsSync(projectPath)) throw new UserError('cli.usage', `There is no project file at ${projectPath}.`);
    const db = openProjectDb(projectPath, { create: false });
    try {
      const r = await exportData(db, { projectPath }, { what, format, harvestId, basisId, out: v.out });
      if (v.json) out({ ok: true, ...r });
      else process.stdout.write(`Wrote ${r.what} (${r.format === 'npy' ? r.shape.join(' × ') : `${r.shape[0]} rows × ${r.shape[1]} columns`}) to ${r.path} (${r.bytes.toLocaleString('en-US')} bytes).\n`);
      return 0;
    } finally {
      db.close();
    }
  },
};

export const exportCommands = { export: exportCommand };
