// Starting a harvest (split out of the Lab façade): every check made before anything is written — the tensors exist,
// the limit fits the set, the stimuli fit the input and every other input has a value — then the harvest rows and
// their job; the same request for an interrupted harvest resumes it instead of starting over. The Lab runs the job
// and tells the UI. Then reading a harvest back: its unit statistics and a unit's extreme stimuli.
import type { HarvestStats, Params, TopStimulus } from '../api/contract';
import { computeUnitStats } from '../harvest/unit-stats';
import { extremeRowsOffThread, type ProjectRef } from '../jobs/service';
import { readRowMeta } from '../store/activations';
import { thumbnails } from './stimuli';
import { UserError } from '../errors';
import { startTextHarvest, textTop } from './text-harvest'; // room: text (#13)
import { INPUTS_HINT_APP, planFeeds } from '../harvest/feeds'; // room: i8
import { rowLayout } from '../harvest/layout';
import { checkHarvestLimit } from '../harvest/limit';
import { shardRange } from '../harvest/shard'; // room: scale (#14 item 3)
import type { InlinedBranch } from '../harvest/branches'; // room: i8
import { stimulusBytesEnabled } from '../harvest/byte-input'; // #14
import type { Db } from '../store/project';
import * as repo from '../store/repo';
import { DEFAULT_CHUNK_VALUES, MAX_CHUNK_ROWS, insertHarvestJob } from './harvest-rows';

export interface StartedHarvest {
  jobId: number;
  harvestIds: number[];
  resumedFromRow: number | null;
}

function findResumableHarvest(db: Db, p: Params<'harvests.start'>, items: number): { jobId: number; harvestIds: number[]; rowsDone: number } | null {
  const request = JSON.stringify({ ...p, limit: items });
  for (const job of repo.listJobs(db)) {
    if (job.kind !== 'harvest' || !['interrupted', 'cancelled', 'failed'].includes(job.status)) continue;
    const params = job.params as { request: unknown; harvestIds: number[] };
    if (JSON.stringify(params.request) !== request) continue;
    const hs = params.harvestIds.map((id) => repo.getHarvest(db, id));
    return { jobId: job.id, harvestIds: params.harvestIds, rowsDone: hs[0]?.rowsDone ?? 0 };
  }
  return null;
}

export function startHarvest(
  db: Db,
  p: Params<'harvests.start'>,
  probedShapes: Record<string, number[]> = {},
  branches: InlinedBranch[] = [], // room: i8 — If branches inlined (harvest-start.ts) to reach tensors inside them
): StartedHarvest {
  const model = repo.getModel(db, p.modelId);
  const set = repo.getStimulusSet(db, p.stimulusSetId);
  // room: text (#13) — one row per sampled token position, shapes measured first (services/text-harvest.ts)
  if (set.kind === 'text') return startTextHarvest(db, p, probedShapes, (items) => findResumableHarvest(db, p, items));
  // room: i8 — a limit beyond the set is refused, not cut silently
  checkHarvestLimit(p.limit, set.count, `stimulus set ${set.id} (${set.name})`, set.spec.kind === 'noise' ? set.spec.distribution : undefined);
  const items = Math.min(p.limit ?? set.count, set.count);
  const byName = new Map<string, { shape: (number | string)[] | null }>(model.inspection.tensors.concat(model.inspection.outputs).map((t) => [t.name, t]));
  // room: i8 — a tensor inside an If branch is known once the probe inlined its branch and measured it
  for (const t of model.inspection.subgraphTensors ?? []) if (!byName.has(t.name) && probedShapes[t.name]) byName.set(t.name, { shape: null });
  for (const name of p.tensors) {
    if (!byName.has(name)) {
      throw new UserError('harvest.unknown-tensor', `Model ${model.name} has no tensor named ${name}; run \`cajal inspect\` to list its tensors.`);
    }
  }
  const input = model.inspection.inputs[0];
  if (!input) throw new UserError('harvest.no-input', `Model ${model.name} declares no input.`);
  // room: i8 — the stimuli fit the input they go into, and every other input has a value
  planFeeds(model.inspection.inputs, set.itemShape, p.inputs, INPUTS_HINT_APP);

  // Every tensor of a job shares one chunk size in stimuli, so their chunks commit together.
  const planned = p.tensors.map((name) => {
    const info = byName.get(name)!;
    const probed = probedShapes[name]; // room: i8
    const layout = rowLayout(probed ? [1, ...probed] : (info.shape ?? []), p.positions, name);
    const chunkRows = p.chunkRows ?? Math.max(layout.rowsPerItem, Math.min(MAX_CHUNK_ROWS, Math.floor(DEFAULT_CHUNK_VALUES / layout.dim)));
    return { name, layout, chunkItems: Math.floor(chunkRows / layout.rowsPerItem) };
  });
  const minChunkItems = Math.min(...planned.map((t) => t.chunkItems));
  // room: scale (#14 item 3) — a shard records its run of whole chunks, [start, end), and keeps the range with itself
  const shard = p.shard ? shardRange(items, Math.max(1, minChunkItems), p.shard, planned[0]!.layout.rowsPerItem) : null;
  const recorded = shard ? shard.end - shard.start : items;

  const resumable = findResumableHarvest(db, p, items);
  if (resumable) return { jobId: resumable.jobId, harvestIds: resumable.harvestIds, resumedFromRow: resumable.rowsDone };

  const title = `Harvest ${p.tensors.join(', ')} · ${model.name} · ${items.toLocaleString('en-US')} stimuli${shard ? ` · shard ${shard.index}/${shard.count}` : ''}`;
  const request = { ...p, limit: items };
  return insertHarvestJob(db, {
    title,
    request,
    modelId: model.id,
    stimulusSetId: set.id,
    itemsExpected: recorded,
    // room: scale + i8 — shard and inlined branches kept with the harvest; #14: it runs only what its taps need, and
    // feeds its stimuli as bytes where the source allows (harvest/byte-input.ts)
    params: { ...request, graph: 'taps', stimulusBytes: stimulusBytesEnabled(), ...(shard ? { shard } : {}), ...(branches.length > 0 ? { branches } : {}) },
    tensors: planned.map(({ name, layout }) => ({
      tensor: name,
      tensorShape: layout.itemDims,
      positions: layout.positions,
      dim: layout.dim,
      rowsPerItem: layout.rowsPerItem,
      chunkRows: minChunkItems * layout.rowsPerItem,
    })),
  });
}

export function harvestStats(db: Db, harvestId: number): HarvestStats {
  const h = repo.getHarvest(db, harvestId);
  let units = repo.loadUnitStats(db, harvestId);
  if (units.length === 0 && h.rowsDone > 0) units = computeUnitStats(db, harvestId);
  return { harvestId, rows: h.rowsDone, dim: h.dim, units };
}

export async function harvestTop(db: Db, where: ProjectRef, p: Params<'harvests.top'>): Promise<TopStimulus[]> {
  const h = repo.getHarvest(db, p.harvestId);
  const rows = await extremeRowsOffThread(where, p.harvestId, p.unit, p.k, p.order);
  const meta = readRowMeta(db, p.harvestId, rows.map((r) => r.row));
  const set = h.stimulusSetId ? repo.getStimulusSet(db, h.stimulusSetId) : null;
  if (set?.kind === 'text') return textTop(db, set, rows, meta); // room: text (#13)
  const thumbs = set
    ? new Map((await thumbnails(db, set.id, [...new Set([...meta.values()].map((m) => m.stimulusIndex))])).map((t) => [t.index, t.thumbnail]))
    : new Map<number, string>();
  return rows.map(({ row, value }) => {
    const m = meta.get(row);
    const label = m?.label ?? null;
    return {
      row,
      stimulusIndex: m?.stimulusIndex ?? row,
      label,
      labelName: label !== null && set?.labelNames ? (set.labelNames[label] ?? String(label)) : null,
      activation: value,
      position: m && m.posY !== null && m.posX !== null ? [m.posY, m.posX] : null,
      thumbnail: m ? (thumbs.get(m.stimulusIndex) ?? '') : '',
    };
  });
}
