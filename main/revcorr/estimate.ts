// One entry point from a stored estimator name and options to the estimator that runs them, with the defaults
// each estimator documents. Options arrive as plain JSON (a stored run, an API call), so they are merged here.
import { UserError } from '../errors';
import { defaultRidgeOptions, ridgeEstimator, type RidgeResult } from './ridge';
import { defaultStaOptions, staEstimator, type StaResult } from './sta';
import { defaultStcOptions, stcEstimator, type StcResult } from './stc';
import type { EstimatorContext, ResponseStream, ResponseTransform, StimulusStream } from './types';

export interface RevcorrParams {
  transform?: ResponseTransform;
  nulls?: number;
  seed?: number;
  maxAxes?: number;
  lambdas?: number[];
  /** recordings (#11 item 4): frames of history per row; the streams carry it, the estimators never read it. */
  lags?: number;
}

export type AnyEstimate = StaResult | RidgeResult | StcResult;

export const ESTIMATORS = ['sta', 'ridge', 'stc'] as const;

export function validateEstimate(kind: string, stimuli: StimulusStream, responses: ResponseStream, p: RevcorrParams): void {
  if (kind === 'sta') staEstimator.validate(stimuli, responses, { ...defaultStaOptions, ...p });
  else if (kind === 'ridge') ridgeEstimator.validate(stimuli, responses, { ...defaultRidgeOptions, ...p });
  else if (kind === 'stc') stcEstimator.validate(stimuli, responses, { ...defaultStcOptions, ...p });
  else throw new UserError('revcorr.estimator', `Unknown estimator "${kind}"; use sta, ridge or stc.`);
}

export async function estimate(kind: string, stimuli: StimulusStream, responses: ResponseStream, p: RevcorrParams, ctx: EstimatorContext): Promise<AnyEstimate> {
  validateEstimate(kind, stimuli, responses, p);
  if (kind === 'sta') return staEstimator.run(stimuli, responses, { ...defaultStaOptions, ...p }, ctx);
  if (kind === 'ridge') return ridgeEstimator.run(stimuli, responses, { ...defaultRidgeOptions, ...p }, ctx);
  return stcEstimator.run(stimuli, responses, { ...defaultStcOptions, ...p }, ctx);
}
