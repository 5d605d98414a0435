// The lab's services over one open project: plain data in, plain data out, events through a callback. They know
// nothing of Electron, IPC or HTTP; the router calls them for every transport.
// room: i8
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import type {
  BasisDetail,
  BasisInfo,
  Events,
  EventName,
  HarvestInfo,
  HarvestStats,
  JobInfo,
  ModelDetail,
  Params,
  ProjectInfo,
  StimulusSetInfo,
  TopStimulus,
} from '../api/contract';
import { jobStatusEvent } from '../api/contract';
import type { LossRecoveredInfo } from '../api/contract'; // lesions (#10)
import { UserError } from '../errors';
import type { InlinedBranch } from '../harvest/branches'; // room: i8
import { JobManager } from '../jobs/manager';
import { importSaeAsJob } from './sae-import'; // h18imp (#18 item 4)
import { importNpyOffThread, releaseProjectOffThread, unitHistogramOffThread } from '../jobs/service';
import { openProjectDb, projectCounts, projectCreatedAt, type Db } from '../store/project';
import * as repo from '../store/repo';
import { SCHEMA_VERSION } from '../store/schema';
import { listBases as listBasisRecords } from '../store/bases';
import * as bases from './bases';
import * as harvests from './harvests';
import * as models from './models';
import * as stimuli from './stimuli';
import { latestLossRecovered } from '../store/lesions'; // lesions (#10)
import { addLesionRun } from './lesion-reports'; // lesions (#10)
import { addRevcorrRun } from './revcorr-reports'; // revcorr (#11)
import { addTcaSweep } from './tca-reports'; // tca (#15)
import { addFrontier } from './frontier-reports'; // h12front (#12)
import { getRun as getLesionRunInfo } from './lesions'; // lesions (#10)
import * as features from './features';
import * as reports from './reports';
import * as reportStore from '../store/reports';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface LabOptions {
  nativeBinding?: string;
  log?: (line: string) => void;
}


export class Lab {
  private db: Db | null = null;
  private path: string | null = null;
  private jobManager: JobManager | null = null;

  constructor(
    private readonly emit: Emit,
    private readonly opts: LabOptions = {},
  ) {}

  // ----- project -----

  openProject(p: Params<'project.open'>): ProjectInfo {
    const path = resolve(p.path);
    const db = openProjectDb(path, { create: p.create, nativeBinding: this.opts.nativeBinding });
    this.closeProjectSync();
    this.db = db;
    this.path = path;
    repo.markOrphanedJobsInterrupted(db);
    this.jobManager = new JobManager(db, path, (job) => this.emitJob(job), {
      nativeBinding: this.opts.nativeBinding,
      log: this.opts.log,
    });
    this.emit('project', { path, changed: ['models', 'stimuli', 'harvests', 'bases', 'jobs', 'reports'] });
    return this.projectInfo()!;
  }

  /** Every job snapshot goes out as `job`, and again under its status' own event for listeners that want one kind. */
  private emitJob(job: JobInfo): void {
    this.emit('job', job);
    const specific = jobStatusEvent(job.status);
    if (specific) this.emit(specific, job);
  }

  projectInfo(): ProjectInfo | null {
    if (!this.db || !this.path) return null;
    return {
      path: this.path,
      schemaVersion: SCHEMA_VERSION,
      createdAt: projectCreatedAt(this.db),
      counts: projectCounts(this.db),
    };
  }

  private closeProjectSync(): void {
    this.db?.close();
    this.db = null;
    this.path = null;
    this.jobManager = null;
  }

  async closeProject(): Promise<boolean> {
    if (!this.db) return false;
    // The job threads and the service worker let go of their connections first, so that this close is the last and
    // leaves every write in the project file itself (not in its -wal).
    await this.jobManager?.shutdown();
    await releaseProjectOffThread(this.path!);
    this.closeProjectSync();
    this.emit('project', { path: null, changed: ['models', 'stimuli', 'harvests', 'bases', 'jobs', 'reports'] });
    return true;
  }

  get projectPath(): string | null {
    return this.path;
  }

  // room: export — what exports and PDFs read: the open project's connection and where the service worker finds it.
  get exportContext(): { db: Db; where: { projectPath: string; nativeBinding?: string }; cajalVersion: string } {
    return { db: this.requireDb(), where: this.where, cajalVersion };
  }

  private requireDb(): Db {
    if (!this.db) throw new UserError('project.none', 'No project is open; open or create a project first.');
    return this.db;
  }

  /** revcorr (#11): the open project's database, for the receptive-fields service. */
  get database(): Db {
    return this.requireDb();
  }

  get jobs(): JobManager {
    this.requireDb();
    return this.jobManager!;
  }

  // ----- models -----

  async openModel(p: Params<'models.open'>): Promise<ModelDetail> {
    const { model, added } = await models.openModel(this.requireDb(), p);
    if (added) this.emit('project', { path: this.path, changed: ['models'] });
    return model;
  }

  getModel(id: number): ModelDetail {
    return models.getModel(this.requireDb(), id);
  }

  listModels() {
    return models.listModels(this.requireDb());
  }

  // ----- stimuli -----

  async createStimulusSet(p: Params<'stimuli.create'>): Promise<StimulusSetInfo> {
    const { set, added } = await stimuli.createStimulusSet(this.requireDb(), p);
    if (added) this.emit('project', { path: this.path, changed: ['stimuli'] });
    return set;
  }

  listStimulusSets(): StimulusSetInfo[] {
    return stimuli.listStimulusSets(this.requireDb());
  }

  /** Thumbnails are made on first request and kept in the project, so reports work after the source folder moves. */
  async thumbnails(setId: number, indices: number[]): Promise<{ index: number; label: number | null; thumbnail: string }[]> {
    return stimuli.thumbnails(this.requireDb(), setId, indices);
  }

  // ----- harvests -----

  /**
   * Start a harvest job (services/harvests.ts). The same request for a harvest that was interrupted resumes it
   * instead of starting over.
   */
  startHarvest(
    p: Params<'harvests.start'>,
    probedShapes: Record<string, number[]> = {}, // room: i8 — item dims measured on the stimuli (services/harvest-start.ts)
    branches: InlinedBranch[] = [], // room: i8 — If branches inlined to reach tensors inside them
  ): { jobId: number; harvestIds: number[]; resumedFromRow: number | null } {
    const started = harvests.startHarvest(this.requireDb(), p, probedShapes, branches);
    if (started.resumedFromRow === null) this.emit('project', { path: this.path, changed: ['harvests', 'jobs'] });
    void this.jobs.run(started.jobId);
    return started;
  }

  listHarvests(): HarvestInfo[] {
    return repo.listHarvests(this.requireDb()).map(repo.publicHarvest);
  }

  harvestStats(harvestId: number): HarvestStats {
    return harvests.harvestStats(this.requireDb(), harvestId);
  }

  /** Where the service worker finds the open project. */
  private get where(): { projectPath: string; nativeBinding?: string } {
    this.requireDb();
    return { projectPath: this.path!, nativeBinding: this.opts.nativeBinding };
  }

  harvestHistogram(p: Params<'harvests.histogram'>) {
    return unitHistogramOffThread(this.where, p.harvestId, p.unit, p.bins);
  }

  async harvestTop(p: Params<'harvests.top'>): Promise<TopStimulus[]> {
    return harvests.harvestTop(this.requireDb(), this.where, p);
  }

  // ----- bases -----

  startFit(p: Params<'bases.fit'>) {
    const r = bases.startFit(this.requireDb(), this.jobs, p);
    this.emit('project', { path: this.path, changed: ['bases', 'jobs'] });
    return r;
  }

  startSweep(p: Params<'bases.sweep'>) {
    const r = bases.startSweep(this.requireDb(), this.jobs, p);
    this.emit('project', { path: this.path, changed: ['bases', 'jobs'] });
    return r;
  }

  listBases(harvestId?: number): BasisInfo[] {
    // lesions (#10): each basis carries its latest loss-recovered figures beside EV, L0 and dead/dense.
    const recovered = latestLossRecovered(this.requireDb());
    return listBasisRecords(this.requireDb(), harvestId).map((r) => ({ ...bases.basisInfo(r), lossRecovered: (recovered.get(r.id) as LossRecoveredInfo | undefined) ?? null }));
  }

  getBasis(basisId: number): BasisDetail {
    return bases.getBasisDetail(this.requireDb(), basisId);
  }

  exportSae(p: Params<'bases.exportSae'>) {
    return bases.exportSae(this.requireDb(), p);
  }

  async importSae(p: Params<'bases.importSae'>) {
    const r = await importSaeAsJob(this.requireDb(), this.jobs, p); // h18imp (#18 item 4): in blocks, as a job
    this.emit('project', { path: this.path, changed: ['bases'] });
    return r;
  }

  exportDirections(p: Params<'bases.exportDirections'>) {
    return bases.exportDirections(this.requireDb(), p);
  }

  async importActivations(p: Params<'harvests.importNpy'>): Promise<HarvestInfo> {
    const r = await importNpyOffThread(this.where, p);
    this.emit('project', { path: this.path, changed: ['harvests'] });
    return r;
  }

  // ----- features, metrics, comparison -----

  startFeatureStats(p: Params<'features.compute'>) {
    const r = features.startFeatureStats(this.requireDb(), this.jobs, p);
    this.emit('project', { path: this.path, changed: ['jobs'] });
    return r;
  }

  featureTable(basisId: number) {
    return features.featureTable(this.requireDb(), basisId);
  }

  featureDetail(p: Params<'features.get'>) {
    return features.featureDetail(this.requireDb(), p.basisId, p.feature, (setId, indices) => this.thumbnails(setId, indices));
  }

  metricDefinitions() {
    return features.definitions();
  }

  async startMetrics(p: Params<'metrics.compute'>) {
    const r = await features.startMetrics(this.requireDb(), this.jobs, p);
    this.emit('project', { path: this.path, changed: ['bases', 'jobs'] });
    return r;
  }

  compareBases(p: Params<'compare.run'>) {
    return features.compare(this.requireDb(), this.where, p);
  }

  listCollections() {
    return features.listCollections(this.requireDb());
  }

  pinFeature(p: Params<'collections.pin'>) {
    return features.pin(this.requireDb(), p);
  }

  // ----- reports -----

  private reportContext(): reports.ReportContext {
    this.requireDb();
    return { projectPath: this.path!, nativeBinding: this.opts.nativeBinding, cajalVersion, thumbnails: (setId, indices) => this.thumbnails(setId, indices) };
  }

  /** Tell the UI the reports changed; passes the result of the write through. */
  private changedReports<T>(result: T): T {
    this.emit('project', { path: this.path, changed: ['reports'] });
    return result;
  }

  listReports() {
    return reportStore.listReports(this.requireDb());
  }

  createReport(p: Params<'reports.create'>) {
    const db = this.requireDb();
    return this.changedReports(reportStore.getReport(db, reportStore.createReport(db, p.title)));
  }

  getReport(id: number) {
    return reportStore.getReport(this.requireDb(), id);
  }

  renameReport(p: Params<'reports.rename'>) {
    const db = this.requireDb();
    reportStore.renameReport(db, p.id, p.title);
    return this.changedReports(reportStore.getReport(db, p.id));
  }

  deleteReport(id: number) {
    return this.changedReports(reportStore.deleteReport(this.requireDb(), id));
  }

  removeReportSection(sectionId: number) {
    const db = this.requireDb();
    return this.changedReports(reportStore.getReport(db, reportStore.removeSection(db, sectionId)));
  }

  moveReportSection(p: Params<'reports.moveSection'>) {
    const db = this.requireDb();
    return this.changedReports(reportStore.getReport(db, reportStore.moveSection(db, p.sectionId, p.position)));
  }

  async addComparisonToReport(p: Params<'reports.addComparison'>) {
    return this.changedReports(await reports.addComparison(this.requireDb(), this.reportContext(), p));
  }

  async addCollectionToReport(p: Params<'reports.addCollection'>) {
    return this.changedReports(await reports.addCollection(this.requireDb(), this.reportContext(), p));
  }

  // lesions (#10): a finished sweep or Shapley analysis sent to a report
  async addLesionRunToReport(p: Params<'reports.addLesionRun'>) {
    const db = this.requireDb();
    return this.changedReports(await addLesionRun(db, this.reportContext(), p, (runId) => getLesionRunInfo(db, runId)));
  }

  // revcorr (#11): a finished receptive-field run sent to a report
  addRevcorrRunToReport(p: Params<'reports.addRevcorrRun'>) {
    return this.changedReports(addRevcorrRun(this.requireDb(), this.reportContext(), p));
  }

  // tca (#15): a finished rank sweep, its diagnostics and one rank's components, sent to a report
  addTcaSweepToReport(p: Params<'reports.addTcaSweep'>) {
    return this.changedReports(addTcaSweep(this.requireDb(), this.reportContext(), p));
  }

  // h12front (#12): a harvest's sparsity frontier, with two frontiers compared at equal L0, sent to a report
  addFrontierToReport(p: Params<'reports.addFrontier'>) {
    return this.changedReports(addFrontier(this.requireDb(), this.reportContext(), p));
  }

  renderReport(id: number) {
    return reports.render(this.requireDb(), { cajalVersion }, id);
  }

  // ----- jobs -----

  async resumeJob(jobId: number): Promise<{ jobId: number }> {
    const job = repo.getJob(this.requireDb(), jobId);
    if (!['interrupted', 'cancelled', 'failed'].includes(job.status)) {
      throw new UserError('job.not-resumable', `Job ${jobId} is ${job.status}; only interrupted, cancelled or failed jobs can resume.`);
    }
    void this.jobs.run(jobId);
    return { jobId };
  }

  async shutdown(): Promise<void> {
    await this.closeProject();
  }
}

export const cajalVersion: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
