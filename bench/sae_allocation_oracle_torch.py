# h12btk (#12): how much BatchTopK's premise - giving some rows more latents and others fewer at the same mean L0 - can
# gain on a layer, measured on a trained TopK SAE (the independent PyTorch implementation, sae_batchtopk_gap_torch.py).
# For each held-out row, its squared error with its top-j codes (j = 0..J, in the row's own order of code values) is
# computed; then the k*n codes of the n rows are handed out three ways, and each way's explained variance printed:
#   per_row  k codes to every row (TopK's own encoding);
#   oracle   one code at a time to the row whose error the next code cuts most (greedy on the measured cuts: an upper
#            bound for any allocation of these codes that keeps each row's order);
#   cut      the k*n largest code values across all rows (BatchTopK's rule at the same L0, on TopK's dictionary).
# If the oracle gains little over per_row, adaptive allocation has little room on the layer, whatever the training.
# Usage: python3 sae_allocation_oracle_torch.py DIR STEPS SEED K [M BATCH]   (DIR holds train.npy and heldout.npy)
import heapq
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sae_batchtopk_gap_torch import codes, load_split, pre_acts, train  # noqa: E402

J = 16  # codes per row considered by the oracle (4x the demo's k)


def row_errors(p, xho, j_max):
    pre = pre_acts(p, xho)
    v, i = torch.topk(pre, j_max, dim=1)
    v = torch.relu(v)
    err = np.zeros((xho.shape[0], j_max + 1))
    for j in range(j_max + 1):
        f = torch.zeros_like(pre).scatter(1, i[:, :j], v[:, :j])
        err[:, j] = ((f @ p['W_dec'] + p['b_dec']) - xho).pow(2).sum(1).numpy()
    return pre, err


def oracle_counts(err, total):
    n, j_max = err.shape[0], err.shape[1] - 1
    counts = np.zeros(n, dtype=int)
    heap = [(-(err[r, 0] - err[r, 1]), r) for r in range(n)]
    heapq.heapify(heap)
    for _ in range(total):
        _, r = heapq.heappop(heap)
        counts[r] += 1
        if counts[r] < j_max:
            heapq.heappush(heap, (-(err[r, counts[r]] - err[r, counts[r] + 1]), r))
    return counts


def main():
    folder, steps, seed, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    m = int(sys.argv[5]) if len(sys.argv) > 5 else 1024
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 512
    xtr, xho = load_split(folder)
    torch.manual_seed(seed)
    p, _ = train(xtr, k, steps, seed, False, m=m, batch=batch)
    pre, err = row_errors(p, xho, max(J, 4 * k))
    sst = float((xho - xho.mean(0)).pow(2).sum())
    n = xho.shape[0]
    counts = oracle_counts(err, k * n)
    f = codes(pre, k, True)  # the k*n largest codes across the held-out rows
    cut_err = float(((f @ p['W_dec'] + p['b_dec']) - xho).pow(2).sum())
    print(json.dumps({
        'k': k,
        'per_row': 1 - err[:, k].sum() / sst,
        'oracle': 1 - err[np.arange(n), counts].sum() / sst,
        'cut': 1 - cut_err / sst,
        'oracle_rows': {'none': int((counts == 0).sum()), 'fewer': int(((counts > 0) & (counts < k)).sum()), 'k': int((counts == k).sum()), 'more': int((counts > k).sum())},
    }))


if __name__ == '__main__':
    main()
