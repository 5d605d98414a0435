# h12btk (#12): WHY BatchTopK leaves more latents dead than TopK on the demo layer (hidden1 of the bundled MNIST MLP),
# measured with the independent PyTorch implementation of both methods (sae_batchtopk_gap_torch.py, same settings as the
# lab's e2e sweep: m 256, B 256, lr 1e-3, aux-k with kAux = max(2k, d/2), dead after max(10, steps/20) steps).
# Prints, per k, for TopK and BatchTopK:
#   1. at initialisation (W_enc = W_dec^T random unit rows, b_dec the geometric median), over 10 batches: the share of
#      rows given no latent and the largest per-row L0. BatchTopK's batch-wide cut ranks codes that are still random
#      projections, so it hands the budget to rows far from b_dec (the row norms of this layer vary: 1st-99th
#      percentile 0.63-1.75 of the mean) and the first gradients come from those rows only. This is not what kills the
#      latents, though: SAE_TORCH_VARIANT='{"topkSteps": 30}' (per-row selection first) still loses about 50 latents
#      within 15 steps of the switch to the batch-wide cut (bench/sae-batchtopk-gap.ts has the numbers);
#   2. the number of latents counted dead every 10 steps of training;
#   3. after training: how many dead latents have no positive pre-activation on any training row (none: the aux loss
#      keeps them alive as regressors of the residual), and the quantiles of the dead latents' largest code beside the
#      cut they must pass to fire (BatchTopK: the inference threshold; TopK: the median over rows of the k-th code).
# Usage: python3 sae_batchtopk_dead_torch.py DIR STEPS SEED KS   (DIR holds train.npy, the fit job's training rows)
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sae_batchtopk_gap_torch import codes, geometric_median, pre_acts, train  # noqa: E402

torch.set_num_threads(1)  # one thread: two spin-wait on a loaded machine


def init_allocation(xtr, k, seed, batch_wide, m=256, batch=256, batches=10):
    # the same seeded draws as train(): decoder rows first, then the rows of the geometric median
    g = torch.Generator().manual_seed(seed)
    n, d = xtr.shape
    w_dec = torch.randn(m, d, generator=g, dtype=torch.float64).float()
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    b_dec = geometric_median(xtr[torch.randperm(n, generator=g)[:4096]].double()).float()
    per_row = []
    for _ in range(batches):
        x = xtr[torch.randperm(n, generator=g)[:batch]]
        per_row.append((codes((x - b_dec) @ w_dec.t(), k, batch_wide) > 0).sum(1).float())
    r = torch.cat(per_row)
    return {'rowsWithNoLatent': float((r == 0).float().mean()), 'maxRowL0': int(r.max())}


def dead_codes(p, threshold, k, xtr, trace, batch_wide):
    pre = pre_acts(p, xtr)
    f = codes(pre, k, False) if not batch_wide else pre * (pre > threshold)
    dead = (f > 0).sum(0) == 0
    best = pre.max(0).values[dead]
    cut = threshold if batch_wide else float(torch.topk(pre, k, dim=1).values[:, -1].median())
    q = [round(float(v), 2) for v in torch.quantile(best, torch.tensor([0.1, 0.5, 0.9]))] if len(best) else []
    return {'deadOnTraining': int(dead.sum()), 'deadWithNoPositiveCode': int((best <= 0).sum()), 'deadBestCodeQuantiles': q, 'cut': round(cut, 2)}


def main():
    folder, steps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    xtr = torch.from_numpy(np.load(f'{folder}/train.npy')).float()
    xtr = xtr * ((xtr.shape[1] ** 0.5) / float(xtr.norm(dim=1).mean()))
    out = []
    for k in map(int, sys.argv[4].split(',')):
        for name, batch_wide in (('topk', False), ('batchtopk', True)):
            torch.manual_seed(seed)
            trace = []
            p, th = train(xtr, k, steps, seed, batch_wide, dead_trace=trace)
            out.append({'method': name, 'k': k, 'init': init_allocation(xtr, k, seed, batch_wide), 'deadEvery10Steps': trace[::10], **dead_codes(p, th, k, xtr, trace, batch_wide)})
    print(json.dumps(out))


main()
