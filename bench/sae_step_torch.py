# Reference for bench/sae-arch.ts (h12sweep, #12): one training step of each trained SAE architecture of the lab,
# written in PyTorch as main/bases/sae-graph.ts defines it — forward, loss (with the dead-latent auxiliary loss of
# the TopK family and Matryoshka's nested-prefix reconstructions; h12bench: JumpReLU's L0 penalty with the paper's
# straight-through estimators to the threshold as main/bases/sae-jumprelu-graph.ts writes them, and the Gated SAE's
# sparsity and frozen-decoder auxiliary losses as main/bases/sae-gated-graph.ts writes them), autograd, the
# decoder-gradient projection, torch.optim.Adam, decoder renormalisation, and the step's metrics (L0, EV, latents
# fired). A reference for the benchmark only, never a runtime dependency. Protocol: argv = kind d m B threads k
# [coef [theta0 [nest_decay]]] (theta0: JumpReLU's initial θ, or Gated's initial gate threshold −b_gate, in units of the mean
# norm; h12gm; for L1, −b_enc likewise, 0 at initialisation; nest_decay: Matryoshka's β, the inner prefix j levels inside the full one weighted β^j, h12mat); prints a ready line, then answers each "<seconds>\n" on stdin with {"stepsPerSecond": …} for a burst of
# about that long.
import json
import math
import sys
import time

try:
    import torch
except Exception as e:  # noqa: BLE001
    print(json.dumps({"error": "torch is not installed: " + str(e)}), flush=True)
    sys.exit(0)

kind = sys.argv[1]
d, m, B, threads, k = (int(a) for a in sys.argv[2:7])
if kind not in ("l1", "topk", "batchtopk", "matryoshka", "jumprelu", "gated"):
    print(json.dumps({"error": f"no PyTorch reference for sae-{kind}"}), flush=True)
    sys.exit(0)
torch.set_num_threads(threads)
torch.manual_seed(0)
W_dec = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(m, d), dim=1))
W_enc = torch.nn.Parameter(W_dec.detach().t().clone())
b_enc = torch.nn.Parameter(torch.zeros(m))
b_dec = torch.nn.Parameter(torch.zeros(d))
params = [W_enc, b_enc, W_dec, b_dec]
x = torch.randn(B, d)  # mean norm ≈ √d, the lab's normalised units
# JumpReLU: θ = exp(log θ) starts at the lab's default (h12gm: 0.1 in units of the mean norm, sent as argv[8] by
# bench/sae-arch.ts; was the paper's 0.001), Gated's b_gate at −θ₀ likewise; the STE bandwidth ε at the lab's
# default 0.001 of the mean norm.
eps = 0.001 * math.sqrt(d)
theta0 = float(sys.argv[8]) if len(sys.argv) > 8 else 0.1
if kind == "jumprelu":
    log_threshold = torch.nn.Parameter(torch.full((m,), math.log(theta0 * math.sqrt(d))))
    params.append(log_threshold)
if kind == "gated":  # b_enc is the gate bias, as in the lab, starting at −θ₀ (h12gm); r_mag and b_mag at 0 (paper)
    with torch.no_grad():
        b_enc.fill_(-theta0 * math.sqrt(d))
    r_mag = torch.nn.Parameter(torch.zeros(m))
    b_mag = torch.nn.Parameter(torch.zeros(m))
    params += [r_mag, b_mag]
if kind == "l1" and theta0 > 0:  # #12: the L1 row at a trained SAE's sparsity, b_enc at −θ₀ as the lab's bench sets it
    with torch.no_grad():
        b_enc.fill_(-theta0 * math.sqrt(d))
opt = torch.optim.Adam(params, lr=1e-4)
coef = float(sys.argv[7]) if len(sys.argv) > 7 else 1e-3 if kind == "l1" else 1 / 32
# A tenth of the latents dead, so the auxiliary loss has work (as after a while of training).
dead = (torch.arange(m) % 10 == 0).float()
k_aux = min(d // 2, m)
# h12gm: the lab's default nestLevels, log2(m/d) + 1 (at least 2): prefixes d, 2d, …, m (d … 8d at d 512, m 4,096)
levels = max(2, int(math.floor(math.log2(m / d))) + 1)
prefixes = sorted({max(1, m // 2 ** l) for l in range(levels - 1, -1, -1)})
# h12mat: the lab's default prefix-loss decay β (sent by bench/sae-arch.ts from the spec)
nest_decay = float(sys.argv[9]) if len(sys.argv) > 9 else 1.0


class JumpReLU(torch.autograd.Function):
    """f = pre ⊙ H(pre − θ); ∂f/∂pre = H(pre − θ); ð f/ð θ = −(θ/ε)·K((pre − θ)/ε), K(u) = 1[|u| < ½]."""

    @staticmethod
    def forward(ctx, pre, theta):
        ctx.save_for_backward(pre, theta)
        return pre * (pre > theta).to(pre.dtype)

    @staticmethod
    def backward(ctx, g):
        pre, theta = ctx.saved_tensors
        diff = pre - theta
        kernel = (diff.abs() < eps / 2).to(g.dtype)
        return g * (diff > 0).to(g.dtype), (g * kernel).sum(0) * (-theta / eps)


class Step(torch.autograd.Function):
    """H(pre − θ); ∂H/∂pre = 0 (the L0 term moves only θ); ð H/ð θ = −(1/ε)·K((pre − θ)/ε)."""

    @staticmethod
    def forward(ctx, pre, theta):
        ctx.save_for_backward(pre, theta)
        return (pre > theta).to(pre.dtype)

    @staticmethod
    def backward(ctx, g):
        pre, theta = ctx.saved_tensors
        kernel = ((pre - theta).abs() < eps / 2).to(g.dtype)
        return None, (g * kernel).sum(0) * (-1 / eps)


def keep_top(v, n):
    vals, idx = v.topk(n, dim=-1)
    return torch.zeros_like(v).scatter(-1, idx, vals)


def step():
    opt.zero_grad(set_to_none=True)
    if kind == "gated":
        h = (x - b_dec) @ W_enc
        pi_gate = h + b_enc
        gate_codes = torch.relu(pi_gate)
        f = (pi_gate > 0).to(h.dtype) * torch.relu(h * r_mag.exp() + b_mag)
        err = (f @ W_dec + b_dec) - x
        mse = err.pow(2).mean()
        aux = ((gate_codes @ W_dec.detach() + b_dec.detach()) - x).pow(2).mean()
        loss = mse + coef * gate_codes.sum() / B + aux
        return finish(loss, f, err)
    pre = (x - b_dec) @ W_enc + b_enc
    if kind == "jumprelu":
        theta = log_threshold.exp()
        f = JumpReLU.apply(pre, theta)
        err = (f @ W_dec + b_dec) - x
        loss = err.pow(2).mean() + coef * Step.apply(pre, theta).sum() / B
        return finish(loss, f, err)
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
            inner = prefixes[:-1]
            for i, size in enumerate(inner):
                weight = nest_decay ** (len(inner) - i)
                if weight != 0:
                    recon = recon + weight * ((f[:, :size] @ W_dec[:size] + b_dec) - x).pow(2).mean()
        pre_dead = pre + (dead - 1) * 1e30
        _, idx = pre_dead.topk(k_aux, dim=-1)
        mask = torch.zeros_like(pre).scatter(-1, idx, 1.0) * dead
        e_hat = (torch.relu(pre) * mask) @ W_dec
        aux = (e_hat - (-err).detach()).pow(2).mean()
        loss = recon + coef * aux
    return finish(loss, f, err)


def finish(loss, f, err):
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
