// h12sweep (#12 item 3): how many dimensions a harvest really spans, as a first guess for an SAE's k — the
// participation ratio (Σλ)² / Σλ² of the covariance spectrum and the number of leading components that hold 90 % of
// the variance. From a complete PCA basis' spectrum when one was fitted; otherwise from the unit variances the
// harvest stored, which bound both from above (the spectrum majorises the diagonal: by Schur–Horn the top j
// eigenvalues sum to at least the top j variances, and Σλ² = ‖C‖²_F ≥ Σ C_ii²).

export interface EffectiveRank {
  participationRatio: number;
  /** Fewest leading components (or units, by variance) whose variance is at least 90 % of the total. */
  dims90: number;
}

export function effectiveRank(variances: ArrayLike<number>): EffectiveRank {
  const v = Array.from(variances, (x) => Math.max(0, x)).sort((a, b) => b - a);
  const total = v.reduce((a, b) => a + b, 0);
  const squares = v.reduce((a, b) => a + b * b, 0);
  if (!(total > 0)) return { participationRatio: 0, dims90: 0 };
  let acc = 0;
  let dims90 = v.length;
  for (let i = 0; i < v.length; i++) {
    acc += v[i]!;
    if (acc >= 0.9 * total) {
      dims90 = i + 1;
      break;
    }
  }
  return { participationRatio: (total * total) / squares, dims90 };
}
