# Reference for bench/sae-arch.ts (h12sweep, #12): one training step of each trained SAE architecture of the lab,
# written in PyTorch as main/bases/sae-graph.ts defines it — forward, loss (with the dead-latent auxiliary loss of
# the TopK family and Matryoshka's nested-prefix reconstructions), autograd, the decoder-gradient projection,
# torch.optim.Adam, decoder renormalisation, and the step's metrics (L0, EV, latents fired). A reference for the
# benchmark only, never a runtime dependency. Protocol: argv = kind d m B threads k; prints a ready line, then
# answers each "<seconds>\n" on stdin with {"stepsPerSecond": …} for a burst of about that long.
import json
import sys
import time

try:
    import torch
except Exception as e:  # noqa: BLE001
    print(json.dumps({"error": "torch is not installed: " + str(e)}), flush=True)
    sys.exit(0)

kind = sys.argv[1]
d, m, B, threads, k = (int(a) for a in sys.argv[2:7])
if kind not in ("l1", "topk", "batchtopk", "matryoshka"):
    print(json.dumps({"error": f"no PyTorch reference for sae-{kind}"}), flush=True)
    sys.exit(0)
torch.set_num_threads(threads)
torch.manual_seed(0)
W_dec = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(m, d), dim=1))
W_enc = torch.nn.Parameter(W_dec.detach().t().clone())
b_enc = torch.nn.Parameter(torch.zeros(m))
b_dec = torch.nn.Parameter(torch.zeros(d))
opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=1e-4)
x = torch.randn(B, d)
coef = 1e-3 if kind == "l1" else 1 / 32
# A tenth of the latents dead, so the auxiliary loss has work (as after a while of training).
dead = (torch.arange(m) % 10 == 0).float()
k_aux = min(d // 2, m)
prefixes = sorted({max(1, m // 2 ** l) for l in range(4, -1, -1)})  # nestLevels = 5: m/16 … m


def keep_top(v, n):
    vals, idx = v.topk(n, dim=-1)
    return torch.zeros_like(v).scatter(-1, idx, vals)


def step():
    opt.zero_grad(set_to_none=True)
    pre = (x - b_dec) @ W_enc + b_enc
    if kind == "l1":
        f = torch.relu(pre)
    elif kind == "topk":
        f = torch.relu(keep_top(pre, k))
    else:
        f = torch.relu(keep_top(pre.reshape(1, B * m), min(k * B, B * m))).reshape(B, m)
    xhat = f @ W_dec + b_dec
    err = xhat - x
    mse = err.pow(2).mean()
    if kind == "l1":
        loss = mse + coef * f.abs().sum() / B
    else:
        recon = mse
        if kind == "matryoshka":
            for size in prefixes[:-1]:
                recon = recon + ((f[:, :size] @ W_dec[:size] + b_dec) - x).pow(2).mean()
        pre_dead = pre + (dead - 1) * 1e30
        _, idx = pre_dead.topk(k_aux, dim=-1)
        mask = torch.zeros_like(pre).scatter(-1, idx, 1.0) * dead
        e_hat = (torch.relu(pre) * mask) @ W_dec
        aux = (e_hat - (-err).detach()).pow(2).mean()
        loss = recon + coef * aux
    loss.backward()
    with torch.no_grad():
        g = W_dec.grad
        g -= (g * W_dec).sum(1, keepdim=True) * W_dec
    opt.step()
    with torch.no_grad():
        W_dec.div_(W_dec.norm(dim=1, keepdim=True).clamp_min(1e-12))
        active = (f > 0).float()
        fired = active.sum(0)
        l0 = fired.sum() / B
        ev = 1 - err.pow(2).sum() / (x - x.mean(0, keepdim=True)).pow(2).sum()
        minpos = torch.where(f > 0, f, torch.full_like(f, 3e38)).min() if kind in ("batchtopk", "matryoshka") else None
    return float(loss), float(l0), float(ev), minpos


for _ in range(2):
    step()
print(json.dumps({"ready": True, "version": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in iter(sys.stdin.readline, ""):
    seconds = float(line)
    n = 0
    t0 = time.perf_counter()
    while n < 1 or time.perf_counter() - t0 < seconds:
        step()
        n += 1
    print(json.dumps({"stepsPerSecond": n / (time.perf_counter() - t0)}), flush=True)
