// Sending a harvest's sparsity frontier (h12front, #12 item 3) to a report: every finished basis with a held-out
// reconstruction at its L0 and explained variance, the swept methods drawn as lines, and the pair the Bases panel's
// frontier card compares at equal L0 — with the harvest's provenance, the methods' definitions and the commands that
// refit every run, so the section reads the same after the project changes.
import type { Params } from '../api/contract';
import { basisDefinitions } from '../bases/definitions';
import { defaultFrontierPair } from '../bases/frontier-compare';
import { sweptMethods } from '../bases/index';
import type { BasisQualityInfo } from '../bases/types';
import { UserError } from '../errors';
import type { FrontierBasis, FrontierSnapshot } from '../report/snapshot';
import type { ReportDetail, ReportSectionInfo } from '../report/types';
import * as basesRepo from '../store/bases';
import type { Db } from '../store/project';
import * as store from '../store/reports';
import { added, basisProvenance, harvestProvenance, snapshotBase, type ReportContext } from './reports';
import { captureReproduce } from './reproduce';

export function addFrontier(db: Db, ctx: ReportContext, p: Params<'reports.addFrontier'>): { report: ReportDetail; section: ReportSectionInfo } {
  // Everything that can be wrong is found before anything is written.
  if (p.reportId !== null) store.getReport(db, p.reportId);
  const harvest = harvestProvenance(db, p.harvestId);
  const swept = sweptMethods();
  const bases: FrontierBasis[] = basesRepo
    .listBases(db, p.harvestId)
    .filter((b) => b.status === 'done' || b.status === 'imported')
    .flatMap((b) => {
      const q = b.quality as BasisQualityInfo | null;
      if (!q || q.explainedVariance === null || !Number.isFinite(q.explainedVariance)) return [];
      const key = swept.find((s) => s.method === b.method)?.key;
      const value = key !== undefined ? b.params[key] : undefined;
      return [{ ...basisProvenance(b), swept: key !== undefined && typeof value === 'number' ? { key, value } : null, l0: q.l0, explainedVariance: q.explainedVariance, deadFraction: q.deadFraction, denseFraction: q.denseFraction, heldOutRows: q.rows }];
    });
  if (!bases.length) {
    throw new UserError('report.no-frontier', `Harvest ${p.harvestId} has no finished basis with an explained variance, so there is no frontier to send; fit or sweep bases on it first.`);
  }
  const withRuns = swept.map((s) => s.method as string).filter((m) => bases.some((b) => b.method === m));
  for (const m of [p.a, p.b]) {
    if (m !== null && !withRuns.includes(m)) {
      throw new UserError('report.frontier-pair', `${m} has no finished runs on harvest ${p.harvestId} to draw a frontier from; compare two of ${withRuns.length ? withRuns.join(', ') : 'the swept methods (none has runs yet)'}.`);
    }
  }
  if (p.a !== null && p.a === p.b) throw new UserError('report.frontier-pair', `A frontier compared with itself says nothing; choose two different methods (${withRuns.join(', ')}).`);
  // Unnamed sides as the card picks them (frontier-compare.ts).
  const { a, b } = defaultFrontierPair(withRuns, p.a, p.b);
  const snapshot: FrontierSnapshot = {
    ...snapshotBase(ctx, []),
    harvest,
    frontiers: swept.filter((s) => withRuns.includes(s.method)).map((s) => ({ method: s.method, key: s.key })),
    bases,
    pair: a !== null && b !== null ? { a, b } : null,
    basisDefinitions: basisDefinitions().filter((d) => bases.some((x) => x.method === d.method)),
    reproduce: captureReproduce(db, [p.harvestId], bases.map((x) => x.basisId), []),
  };
  const ids = store.addSection(db, p.reportId !== null ? { id: p.reportId } : { create: `Sparsity frontier of ${harvest.tensor}` }, {
    kind: 'frontier',
    title: `Sparsity frontier of ${harvest.tensor} (harvest ${harvest.harvestId}): ${bases.length} bases${snapshot.pair ? `, ${snapshot.pair.a} against ${snapshot.pair.b} at equal L0` : ''}`,
    params: { harvestId: p.harvestId, basisIds: bases.map((x) => x.basisId), pair: snapshot.pair },
    snapshot,
  });
  return added(db, ids);
}
