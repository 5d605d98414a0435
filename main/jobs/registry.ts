// Job kind -> runner. The worker thread imports this; every long-running kind of work registers here.
import { runFeatureStatsJob } from '../analyses/feature-stats';
import { runMetricsJob } from '../analyses/metrics-job';
import { runFitJob } from '../bases/fit';
import { runHarvestJob } from '../harvest/run';
import { runRevcorrJob } from '../revcorr/job'; // revcorr (#11)
import type { JobRegistry } from './types';

export const jobRunners: JobRegistry = {
  harvest: runHarvestJob,
  fit: runFitJob,
  'feature-stats': runFeatureStatsJob,
  metrics: runMetricsJob,
  revcorr: runRevcorrJob, // revcorr (#11)
};
