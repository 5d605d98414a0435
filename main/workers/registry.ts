// Job kind -> runner: the one place that knows every kind of long-running work (above the domain rooms, which know
// nothing of each other's jobs). The job worker thread (worker.ts) imports this; every new kind registers here.
import { runFeatureStatsJob } from '../analyses/feature-stats';
import { runMetricsJob } from '../analyses/metrics-job';
import { runFitJob } from '../bases/fit';
import { runHarvestJob } from '../harvest/run';
import { runRevcorrJob } from '../revcorr/job';
import { runLesionSweepJob, runLossRecoveredJob, runShapleyJob } from '../lesions/jobs';
import { runTcaSweepJob } from '../tca/job'; // tca (#15)
import { runSaeImportJob } from '../sae-import/job'; // h18imp (#18 item 4)
import { runSaeSweepJob } from '../bases/sweep-job'; // h12sweep (#12)
import type { JobRegistry } from '../jobs/types';

export const jobRunners: JobRegistry = {
  harvest: runHarvestJob,
  fit: runFitJob,
  'feature-stats': runFeatureStatsJob,
  metrics: runMetricsJob,
  revcorr: runRevcorrJob,
  'lesion-sweep': runLesionSweepJob,
  shapley: runShapleyJob,
  'loss-recovered': runLossRecoveredJob,
  'tca-sweep': runTcaSweepJob, // tca (#15)
  'import-sae': runSaeImportJob, // h18imp (#18 item 4)
  'sae-sweep': runSaeSweepJob, // h12sweep (#12)
};
