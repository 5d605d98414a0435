// Contract method -> service call. Every payload is validated against the contract's schema first, whatever the
// transport (Electron IPC, HTTP, CLI, tests), and every error leaves as { code, message } in words.
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { basisDefinitions } from '../bases/definitions';
import { describeError, UserError } from '../errors';
import { cajalVersion, type Lab } from '../services/lab';
// room: export
import { exportHandlers } from '../services/export';
import { methodSchemas, type MethodName, type Params, type Result } from './contract';
import * as revcorr from '../services/revcorr'; // revcorr (#11)
import * as lesions from '../services/lesions'; // lesions (#10)
import { startHarvestWithShapes } from '../services/harvest-start'; // room: i8
import * as recordings from '../services/recordings'; // recordings (#11 item 4)
import { getTcaSweep, harvestCheckpointSeries, startTcaSweep } from '../services/tca'; // tca (#15)
import { textContextsOffThread, textEffectsOffThread } from '../jobs/service'; // room: text (#13)
import { featureColumns, featureColumnsPage } from '../services/feature-columns'; // w18 (#18)
import { harvestEffectiveRank } from '../services/bases'; // h12sweep (#12)

type Handlers = { [M in MethodName]: (params: Params<M>) => Result<M> | Promise<Result<M>> };

/** What every call throws: a UserError with the code and words of what went wrong (code 'internal' for our bugs). */
export class ApiError extends UserError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ApiError';
  }
}

function handlers(lab: Lab, transport: 'ipc' | 'http' | 'direct'): Handlers {
  return {
    'system.info': () => ({
      version: cajalVersion,
      transport,
      projectPath: lab.projectPath,
      ortVersion: ort.env.versions.common,
      platform: `${process.platform}-${process.arch}`,
    }),
    // revcorr (#11)
    'revcorr.start': (p) => revcorr.startRevcorr(lab.database, lab.jobs, p),
    'revcorr.list': () => revcorr.listRuns(lab.database),
    'revcorr.get': (p) => revcorr.getRun(lab.database, p.runId),
    // lesions (#10)
    'lesions.ablate': (p) => lesions.startSweep(lab.database, lab.jobs, p),
    'lesions.shapley': (p) => lesions.startShapley(lab.database, lab.jobs, p),
    'lesions.lossRecovered': (p) => lesions.startLossRecovered(lab.database, lab.jobs, p),
    'lesions.list': () => lesions.listRuns(lab.database),
    'lesions.get': (p) => lesions.getRun(lab.database, p.runId),
    'reports.addLesionRun': (p) => lab.addLesionRunToReport(p), // lesions (#10)
    'reports.addRevcorrRun': (p) => lab.addRevcorrRunToReport(p), // revcorr (#11)
    // recordings (#11 item 4)
    'recordings.import': (p) => recordings.importRecordingService(lab.database, p),
    'recordings.list': () => recordings.listRecordingsService(lab.database),
    'tca.sweep': (p) => startTcaSweep(lab.database, lab.jobs, p), // tca (#15)
    'features.columns': (p) => featureColumns(lab.database, p.basisId), // w18 (#18)
    'features.columnsPage': (p) => featureColumnsPage(lab.database, p.basisId, p.offset, p.limit), // h18panel (#18): the panel's first rows
    'tca.get': (p) => getTcaSweep(lab.database, p), // tca (#15)
    'text.contexts': (p) => textContextsOffThread(lab.exportContext.where, p), // room: text (#13): tokenising the text is heavy
    'text.effects': (p) => textEffectsOffThread(lab.exportContext.where, p), // room: text (#13 output effects)
    'tca.series': (p) => harvestCheckpointSeries(lab, p), // tca (#15)
    'reports.addTcaSweep': (p) => lab.addTcaSweepToReport(p), // tca (#15)
    'reports.addFrontier': (p) => lab.addFrontierToReport(p), // h12front (#12)
    'project.open': (p) => lab.openProject(p),
    'project.info': () => lab.projectInfo(),
    'project.close': async () => ({ closed: await lab.closeProject() }),
    'models.open': (p) => lab.openModel(p),
    'models.list': () => lab.listModels(),
    'models.get': (p) => lab.getModel(p.modelId),
    'stimuli.create': (p) => lab.createStimulusSet(p),
    'stimuli.list': () => lab.listStimulusSets(),
    'stimuli.thumbnails': (p) => lab.thumbnails(p.setId, p.indices),
    'harvests.start': (p) => startHarvestWithShapes(lab, p), // room: i8 — shapes that follow the stimuli are measured first
    'harvests.list': () => lab.listHarvests(),
    'harvests.stats': (p) => lab.harvestStats(p.harvestId),
    'harvests.histogram': (p) => lab.harvestHistogram(p),
    'harvests.top': (p) => lab.harvestTop(p),
    'harvests.importNpy': (p) => lab.importActivations(p),
    'bases.fit': (p) => lab.startFit(p),
    'bases.sweep': (p) => lab.startSweep(p),
    'bases.effectiveRank': (p) => harvestEffectiveRank(lab.database, p.harvestId), // h12sweep (#12)
    'bases.list': (p) => lab.listBases(p.harvestId),
    'bases.definitions': () => basisDefinitions(),
    'bases.get': (p) => lab.getBasis(p.basisId),
    'bases.exportSae': (p) => lab.exportSae(p),
    'bases.importSae': (p) => lab.importSae(p),
    'bases.exportDirections': (p) => lab.exportDirections(p),
    'features.compute': (p) => lab.startFeatureStats(p),
    'features.table': (p) => lab.featureTable(p.basisId),
    'features.get': (p) => lab.featureDetail(p),
    'metrics.definitions': () => lab.metricDefinitions(),
    'metrics.compute': (p) => lab.startMetrics(p),
    'compare.run': (p) => lab.compareBases(p),
    'collections.list': () => lab.listCollections(),
    'collections.pin': (p) => lab.pinFeature(p),
    'reports.list': () => lab.listReports(),
    'reports.create': (p) => lab.createReport(p),
    'reports.get': (p) => lab.getReport(p.id),
    'reports.rename': (p) => lab.renameReport(p),
    'reports.delete': (p) => lab.deleteReport(p.id),
    'reports.removeSection': (p) => lab.removeReportSection(p.sectionId),
    'reports.moveSection': (p) => lab.moveReportSection(p),
    'reports.addComparison': (p) => lab.addComparisonToReport(p),
    'reports.addCollection': (p) => lab.addCollectionToReport(p),
    'reports.render': (p) => lab.renderReport(p.id),
    // room: export
    ...exportHandlers(() => lab.exportContext),
    'jobs.list': () => lab.jobs.list(),
    'jobs.cancel': (p) => ({ cancelled: lab.jobs.cancel(p.jobId) }),
    'jobs.resume': (p) => lab.resumeJob(p.jobId),
  };
}

export interface Router {
  /** Validate, dispatch, and map errors to ApiError. `method` is untrusted too. */
  call(method: string, params: unknown): Promise<unknown>;
}

export function createRouter(lab: Lab, transport: 'ipc' | 'http' | 'direct', log?: (line: string) => void): Router {
  const table = handlers(lab, transport);
  return {
    async call(method, params) {
      if (typeof method !== 'string' || !Object.hasOwn(methodSchemas, method)) {
        throw new ApiError('api.unknown-method', `Cajal has no method called ${String(method).slice(0, 80)}.`);
      }
      const name = method as MethodName;
      const parsed = methodSchemas[name].safeParse(params ?? {});
      if (!parsed.success) {
        throw new ApiError('api.invalid-params', `Invalid parameters for ${name}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
      }
      try {
        const handler = table[name] as (p: unknown) => unknown;
        return await handler(parsed.data);
      } catch (err) {
        const described = describeError(err);
        if (described.code === 'internal') log?.(`${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
        throw new ApiError(described.code, described.message);
      }
    },
  };
}
