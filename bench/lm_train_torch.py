# PyTorch CPU reference for bench/lm-train.ts: the lab's one-layer byte transformer (main/lm/model.ts) with the same
# shapes — byte embedding + learned positions, pre-layer-norm causal attention (4 heads, no biases on q/k/v/o), a ReLU
# MLP with biases, a final layer norm, an unembedding with bias — trained with autograd + torch.optim.Adam on the
# same batch. Reads one burst length (seconds) per stdin line, answers {"stepsPerSecond": …} per burst.
import json, math, sys, time
import torch
import torch.nn.functional as F

batch, context, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
V, d, heads, H = 256, 128, 4, 512
torch.set_num_threads(threads)
torch.manual_seed(13)


class LM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Embedding(V, d)
        self.pos = torch.nn.Parameter(torch.randn(context, d) * 0.01)
        self.ln1 = torch.nn.LayerNorm(d)
        self.wq = torch.nn.Linear(d, d, bias=False)
        self.wk = torch.nn.Linear(d, d, bias=False)
        self.wv = torch.nn.Linear(d, d, bias=False)
        self.wo = torch.nn.Linear(d, d, bias=False)
        self.ln2 = torch.nn.LayerNorm(d)
        self.w1 = torch.nn.Linear(d, H)
        self.w2 = torch.nn.Linear(H, d)
        self.lnf = torch.nn.LayerNorm(d)
        self.unembed = torch.nn.Linear(d, V)
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).tril())

    def forward(self, ids):
        B, L = ids.shape
        x = self.tok(ids) + self.pos[:L]
        h = self.ln1(x)
        split = lambda t: t.view(B, L, heads, d // heads).transpose(1, 2)
        q, k, v = split(self.wq(h)), split(self.wk(h)), split(self.wv(h))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(d // heads)
        a = torch.softmax(s.masked_fill(~self.mask[:L, :L], float("-inf")), dim=-1)
        x = x + self.wo((a @ v).transpose(1, 2).reshape(B, L, d))
        x = x + self.w2(torch.relu(self.w1(self.ln2(x))))
        return self.unembed(self.lnf(x))


model = LM()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def step():
    data = torch.randint(0, V, (batch, context + 1))
    logits = model(data[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, V), data[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


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
