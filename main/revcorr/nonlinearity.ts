// The static nonlinearity of the LN model and how much it explains: project every stimulus on each unit's filter
// (one GEMM per chunk), estimate f(p) as the mean response in quantile bins of p over the training rows, and score
// the LN model r̂ = f(k·x) by its explained variance on the held-out rows (t % 5 = 4), which no filter saw.
import { project } from './kernels';
import { defaultChunkRows, isHeldOut, loadResponses } from './pass';
import type { EstimatorContext, ResponseStream, StimulusStream } from './types';

export interface Nonlinearity {
  /** Mean projection, mean response and row count per bin (training rows), in increasing projection. */
  centres: number[];
  means: number[];
  counts: number[];
  /** 1 − SSE/SST of the LN prediction on the held-out rows (may be negative for a useless filter). */
  heldOutEv: number;
}

export async function fitNonlinearities(
  stimuli: StimulusStream,
  responses: ResponseStream,
  filters: Float32Array,
  ctx: EstimatorContext,
  bins = 20,
): Promise<Nonlinearity[]> {
  const n = stimuli.count;
  const d = stimuli.dim;
  const units = responses.units;
  const resp = await loadResponses(responses);
  const proj = new Float32Array(n * units); // row-major n × units
  const chunkRows = defaultChunkRows(d);
  for (let start = 0; start < n; start += chunkRows) {
    ctx.throwIfCancelled();
    const rows = Math.min(chunkRows, n - start);
    proj.set(await project(await stimuli.read(start, rows), rows, d, filters, units), start * units);
    ctx.progress(start + rows, n, 'LN model: projections on the filters');
  }
  const out: Nonlinearity[] = [];
  for (let u = 0; u < units; u++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let t = 0; t < n; t++) (isHeldOut(t) ? test : train).push(t);
    train.sort((a, b) => proj[a * units + u]! - proj[b * units + u]!);
    const nb = Math.max(1, Math.min(bins, Math.floor(train.length / 5)));
    const centres: number[] = [];
    const means: number[] = [];
    const counts: number[] = [];
    for (let b = 0; b < nb; b++) {
      const lo = Math.floor((b * train.length) / nb);
      const hi = Math.floor(((b + 1) * train.length) / nb);
      let sp = 0;
      let sr = 0;
      for (let i = lo; i < hi; i++) {
        sp += proj[train[i]! * units + u]!;
        sr += resp[u * n + train[i]!]!;
      }
      centres.push(sp / (hi - lo));
      means.push(sr / (hi - lo));
      counts.push(hi - lo);
    }
    // Held-out prediction: linear interpolation between bin centres, flat beyond the ends.
    const predict = (p: number): number => {
      if (p <= centres[0]!) return means[0]!;
      for (let b = 1; b < centres.length; b++) {
        if (p <= centres[b]!) {
          const span = centres[b]! - centres[b - 1]!;
          const a = span > 0 ? (p - centres[b - 1]!) / span : 1;
          return means[b - 1]! + a * (means[b]! - means[b - 1]!);
        }
      }
      return means[means.length - 1]!;
    };
    let mean = 0;
    for (const t of test) mean += resp[u * n + t]!;
    mean /= Math.max(1, test.length);
    let sse = 0;
    let sst = 0;
    for (const t of test) {
      const r = resp[u * n + t]!;
      sse += (r - predict(proj[t * units + u]!)) ** 2;
      sst += (r - mean) ** 2;
    }
    out.push({ centres, means, counts, heldOutEv: sst > 0 ? 1 - sse / sst : 0 });
  }
  return out;
}
