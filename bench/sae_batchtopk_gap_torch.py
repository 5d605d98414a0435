# h12btk (#12): an independent PyTorch implementation of TopK (Gao et al. 2024) and BatchTopK (Bussmann et al. 2024)
# SAEs with the lab's settings, to tell whether BatchTopK trailing TopK at equal L0 on the demo layer is the method's
# behaviour on these rows or a defect of the lab's code. Written from the papers, not from the lab's graphs:
#   inputs scaled by one factor to mean norm sqrt(d); W_dec rows random unit vectors, W_enc = W_dec^T, b_enc = 0,
#   b_dec the geometric median (Weiszfeld); pre = (x - b_dec) W_enc + b_enc; TopK keeps each row's k largest,
#   BatchTopK the batch's k*B largest, then ReLU; loss MSE + 1/32 * aux, where aux has each row's top-kAux dead latents
#   (no activity for max(10, steps/20) steps; kAux = max(2k, d/2)) reconstruct the stopped residual; Adam (lr 1e-3,
#   linear warm-up over steps/20), the decoder gradient's component along each row removed, rows renormalised.
#   BatchTopK encodes with one threshold: the mean over 8 batches of the smallest code each batch's top k*B keeps.
# Data order: a seeded permutation per epoch. Prints {"topk": [{l0, ev}], "batchtopk": [{l0, ev}]} on held-out rows.
# Usage: python3 sae_batchtopk_gap_torch.py DIR STEPS SEED TOPK_KS BATCHTOPK_KS (DIR holds train.npy, heldout.npy)
# h12btk: SAE_TORCH_VARIANT='{"key": value}' changes one thing, to test the differences from Bussmann et al.'s and
# SAELens' training (bench/sae-batchtopk-gap.ts lists the results): auxNormalised (Gao et al.'s aux MSE divided by
# the residual's variance), deadWindow (steps), beta2, kAux, bDecZero (b_dec starts at 0), rowNorm (every row rescaled
# to norm sqrt(d) before encoding and back after decoding, SAELens' constant_norm_rescale), evalBatchTopk (held-out
# rows encoded with the batch's top k*B instead of the threshold), topkSteps (BatchTopK selects per row, as TopK, for
# its first N steps), m (dictionary size), batch (rows per step), lr, noBEnc (b_enc fixed at 0, as Bussmann et al.'s
# sweep script trains TopK and BatchTopK: use_encoder_bias off), dataInit (decoder rows start at random training rows minus b_dec,
# normalised; W_enc their transpose), inputUnitNorm (each row centred on its own mean and divided by its standard
# deviation before encoding and restored after decoding, Bussmann et al.'s input_unit_norm); and three of the
# schedule options of saprmarks/dictionary_learning's TopK and BatchTopK trainers (the library SAEBench's SAEs were
# trained with): kAnneal (k falls linearly from d to k over that fraction of the steps, its k_anneal_steps), clip (the
# gradient's global norm clipped to it, as that library clips to 1.0) and decay (the learning rate falls linearly to 0
# over the last fifth of the steps, its decay_start = 0.8 * steps); and two details of Bussmann et al.'s sae.py:
# kaimingEnc (W_enc kaiming-uniform, W_dec its normalised transpose) and auxUndetached (the aux loss's residual keeps
# its gradient). Unset: the settings above.
import json
import os
import sys

import numpy as np
import torch

torch.set_num_threads(2)
VARIANT = json.loads(os.environ.get('SAE_TORCH_VARIANT', '{}'))


def geometric_median(x, iters=200, tol=1e-7):
    y = x.mean(0)
    for _ in range(iters):
        w = 1.0 / torch.clamp((x - y).norm(dim=1), min=1e-12)
        nxt = (w[:, None] * x).sum(0) / w.sum()
        if (nxt - y).norm() <= tol * max(1.0, float(nxt.norm())):
            return nxt
        y = nxt
    return y


def load_split(folder):
    """train.npy and heldout.npy from DIR, both scaled by the one factor that gives the training rows mean norm
    sqrt(d); EV is scale-free, so held-out rows are compared in the scaled units."""
    xtr = torch.from_numpy(np.load(f'{folder}/train.npy')).float()
    xho = torch.from_numpy(np.load(f'{folder}/heldout.npy')).float()
    scale = (xtr.shape[1] ** 0.5) / float(xtr.norm(dim=1).mean())
    return xtr * scale, xho * scale


def pre_acts(p, x):
    """The encoder's pre-activations: (x - b_dec) W_enc + b_enc."""
    return (x - p['b_dec']) @ p['W_enc'] + p['b_enc']


def codes(pre, k, batch_wide):
    if batch_wide:
        flat = pre.reshape(-1)
        v, i = torch.topk(flat, k * pre.shape[0])
        return torch.zeros_like(flat).scatter(0, i, torch.relu(v)).reshape(pre.shape)
    v, i = torch.topk(pre, k, dim=1)
    return torch.zeros_like(pre).scatter(1, i, torch.relu(v))


def annealed_k(k, d, step, steps):
    """k at this step: k itself, or under kAnneal the linear fall from d to k over that fraction of the steps."""
    if not VARIANT.get('kAnneal'):
        return k
    ratio = min(1.0, step / (VARIANT['kAnneal'] * steps))
    return int(d * (1 - ratio) + k * ratio)


def train(xtr, k, steps, seed, batch_wide, m=256, batch=256, lr=1e-3, dead_trace=None):
    m = VARIANT.get('m', m)
    batch = VARIANT.get('batch', batch)
    g = torch.Generator().manual_seed(seed)
    n, d = xtr.shape
    w_dec = torch.randn(m, d, generator=g, dtype=torch.float64).float()
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    params = {
        'W_enc': w_dec.t().clone().requires_grad_(),
        'b_enc': torch.zeros(m, requires_grad=True),
        'W_dec': w_dec.clone().requires_grad_(),
        'b_dec': geometric_median(xtr[torch.randperm(n, generator=g)[:4096]].double()).float().requires_grad_(),
    }
    if VARIANT.get('dataInit'):
        # decoder rows start at random training rows, centred on b_dec and normalised; the encoder is their transpose
        rows = xtr[torch.randperm(n, generator=g)[:m]] - params['b_dec'].detach()
        rows = rows / rows.norm(dim=1, keepdim=True).clamp(min=1e-12)
        params['W_dec'] = rows.clone().requires_grad_()
        params['W_enc'] = rows.t().clone().requires_grad_()
    if VARIANT.get('kaimingEnc'):
        # Bussmann et al.'s sae.py: W_enc kaiming-uniform (entries U(+-sqrt(6/m)), columns of norm ~sqrt(2d/m)), W_dec
        # its transpose with unit rows; only the encoder's scale differs from the start above
        w_enc = torch.empty(d, m).uniform_(-(6 / m) ** 0.5, (6 / m) ** 0.5, generator=g)
        params['W_dec'] = (w_enc.t() / w_enc.t().norm(dim=1, keepdim=True)).clone().requires_grad_()
        params['W_enc'] = w_enc.clone().requires_grad_()
    if VARIANT.get('bDecZero'):
        params['b_dec'] = torch.zeros(d, requires_grad=True)
    lr = VARIANT.get('lr', lr)
    # noBEnc: b_enc stays 0, as Bussmann et al.'s sweep script trains TopK and BatchTopK (use_encoder_bias off)
    trained = [v for kk, v in params.items() if not (kk == 'b_enc' and VARIANT.get('noBEnc'))]
    opt = torch.optim.Adam(trained, lr=lr, betas=(0.9, VARIANT.get('beta2', 0.999)), eps=1e-8)
    warm = max(1, round(steps / 20))
    dead_window = VARIANT.get('deadWindow', max(10, round(steps / 20)))
    k_aux = min(VARIANT.get('kAux', max(2 * k, d // 2)), m)
    last_fired = torch.zeros(m)
    order, at = torch.randperm(n, generator=g), 0
    for step in range(steps):
        if at + batch > n:
            order, at = torch.randperm(n, generator=g), 0
        x = xtr[order[at:at + batch]]
        at += batch
        rate = lr * min(1.0, (step + 1) / warm)
        if VARIANT.get('decay') and step >= 0.8 * steps:
            rate = lr * (steps - step) / (0.2 * steps)
        for grp in opt.param_groups:
            grp['lr'] = rate
        pre = pre_acts(params, x)
        f = codes(pre, annealed_k(k, d, step, steps), batch_wide and step >= VARIANT.get('topkSteps', 0))
        err = f @ params['W_dec'] + params['b_dec'] - x
        loss = err.pow(2).mean()
        dead = (step - last_fired) >= dead_window
        if dead_trace is not None:
            dead_trace.append(int(dead.sum()))  # h12btk: latents counted dead before each step
        if dead.any():
            pre_dead = torch.where(dead[None, :], pre, torch.full_like(pre, -1e30))
            v, i = torch.topk(pre_dead, k_aux, dim=1)
            f_aux = torch.zeros_like(pre).scatter(1, i, torch.relu(v) * dead[i].float())
            # auxUndetached: Bussmann et al.'s sae.py does not stop the residual's gradient
            aux = (f_aux @ params['W_dec'] - (-err if VARIANT.get('auxUndetached') else (-err).detach())).pow(2).mean()
            if VARIANT.get('auxNormalised'):
                aux = aux / (-err).detach().pow(2).mean()
            loss = loss + aux / 32
        opt.zero_grad()
        loss.backward()
        with torch.no_grad():
            wd, gd = params['W_dec'], params['W_dec'].grad
            gd -= (gd * wd).sum(1, keepdim=True) * wd
        if VARIANT.get('clip'):
            torch.nn.utils.clip_grad_norm_(trained, VARIANT['clip'])
        opt.step()
        with torch.no_grad():
            params['W_dec'] /= params['W_dec'].norm(dim=1, keepdim=True).clamp(min=1e-12)
            last_fired[(f > 0).any(0)] = step + 1
    p = {kk: v.detach() for kk, v in params.items()}
    threshold = None
    if batch_wide:
        cuts = []
        idx = torch.randperm(n, generator=g)[: 8 * batch]
        for r in range(0, len(idx), batch):
            pre = pre_acts(p, xtr[idx[r:r + batch]])
            pos = torch.sort(pre[pre > 0]).values
            if len(pos):
                cuts.append(float(pos[len(pos) - min(len(pos), k * pre.shape[0])]))
        threshold = sum(cuts) / len(cuts)
    return p, threshold


def row_frame(x):
    """Each row's offset and scale as the variant encodes it: rowNorm rescales each row to norm sqrt(d) (SAELens'
    constant_norm_rescale); inputUnitNorm (Bussmann et al.'s input_unit_norm) subtracts the row's own mean over its
    features and divides by its standard deviation; unset, (0, 1). Rows are encoded as (x - mu) / rs and decoded back
    as x_hat * rs + mu, so EV stays in the shared units."""
    if VARIANT.get('inputUnitNorm'):
        return x.mean(1, keepdim=True), x.std(1, keepdim=True) + 1e-5
    mu = torch.zeros(x.shape[0], 1)
    if VARIANT.get('rowNorm'):
        return mu, x.norm(dim=1, keepdim=True) / (x.shape[1] ** 0.5)
    return mu, torch.ones(x.shape[0], 1)


def unit_rows(xtr):
    """The training rows as the variant encodes them (row_frame)."""
    mu, rs = row_frame(xtr)
    return (xtr - mu) / rs


def evaluate(p, threshold, k, xho):
    mu, rs = row_frame(xho)
    pre = pre_acts(p, (xho - mu) / rs)
    if threshold is None:
        f = codes(pre, k, False)
    else:
        f = codes(pre, k, True) if VARIANT.get('evalBatchTopk') else pre * (pre > threshold)
    xhat = (f @ p['W_dec'] + p['b_dec']) * rs + mu
    sse = float((xhat - xho).pow(2).sum())
    sst = float((xho - xho.mean(0)).pow(2).sum())
    return {'l0': float((f.abs() > 1e-8).float().sum(1).mean()), 'ev': 1 - sse / sst, 'dead': float(((f > 0).sum(0) == 0).float().mean())}


def main():
    folder, steps, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    xtr, xho = load_split(folder)
    xtr = unit_rows(xtr)
    out = {}
    for name, ks, batch_wide in (('topk', sys.argv[4], False), ('batchtopk', sys.argv[5], True)):
        out[name] = []
        for k in map(int, ks.split(',')):
            torch.manual_seed(seed)
            p, th = train(xtr, k, steps, seed, batch_wide)
            out[name].append(evaluate(p, th, k, xho))
    print(json.dumps(out))


if __name__ == '__main__':  # h12btk: bench/sae_batchtopk_dead_torch.py imports train, codes and geometric_median
    main()
