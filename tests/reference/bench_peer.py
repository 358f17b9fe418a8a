#!/usr/bin/python3
"""PyTorch peer of SpikeKit's benchmark harness (tests/SpikeKit.Benchmarks, command `compare`).

The harness starts this script as a worker process and drives it step by step, alternating with the SpikeKit worker of
the same workload. Run it with Debian's python3-torch (1.13, CPU) under the system interpreter:

    /usr/bin/python3 tests/reference/bench_peer.py worker WORKLOAD [--key value ...]

What the PyTorch side does is what SpikingJelly (backend 'torch', multi-step mode) and snnTorch do on CPU:
  * the LIF neuron is an op-by-op loop over T (u = tau*u + x[t]; o = spike(u - Vth); u = u*(1 - o)), with the spike a
    custom torch.autograd.Function whose backward applies the tanh surrogate derivative of the RMP-Loss group's code;
  * stateless layers (conv, BN, pooling, linear) run on [T*B, ...] (SpikingJelly's SeqToANNContainer), so BN statistics
    are taken over T*B;
  * the stem (first conv + BN before the first LIF) runs either on the input repeated over T ("naive", what the usual
    direct-encoding code does) or once on [B, ...] and is expanded over T ("stem-once", what SpikeKit does).

Line protocol (stdout carries only protocol lines; logs go to stderr):
  worker prints  "ready {json}" after setup;  then for each command read from stdin:
  "step"  -> runs one unit (a training step, a LIF forward+backward, or a whole epoch), prints "done {json}" with "ms";
  "stats" -> prints "stats {json}" (peak and current RSS from /proc/self/status, in MiB);
  "quit"  -> exits.
"""
import gzip
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

TAU, VTH = 0.25, 0.5                  # LIF decay and threshold (RMP-Loss defaults, as SpikeKit's NeuronOptions)
K, WIDTH = 3.0, 1.0                   # tanh surrogate sharpness and support width (SpikeKit's TanhSurrogate)
NORM = 2.0 * math.tanh(K / 2.0)


class TanhSpike(torch.autograd.Function):
    """o = H(x), x = u - Vth; backward: k*(1 - tanh^2(k*x/w)) / (w * 2*tanh(k/2)) for |x| <= w/2, else 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = torch.tanh(x * (K / WIDTH))
        d = (1.0 - t * t) * (K / (WIDTH * NORM))
        return grad * d * (x.abs() <= WIDTH / 2).to(x.dtype)


def lif(x, keep_potentials):
    """Multi-step LIF over x [T, B, ...]: spikes [T, B, ...] and, if asked, pre-firing potentials [T, B, ...]."""
    u = None
    spikes, pots = [], []
    for t in range(x.shape[0]):
        pre = x[t] if u is None else u * TAU + x[t]
        o = TanhSpike.apply(pre - VTH)
        u = pre * (1.0 - o)                     # hard reset, gradient through the reset (detach_reset=False)
        spikes.append(o)
        if keep_potentials:
            pots.append(pre)
    return torch.stack(spikes), (torch.stack(pots) if keep_potentials else None)


class Lif(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers                    # shared list collecting (potentials, spikes) for the regularizer

    def forward(self, x):
        s, p = lif(x, True)
        self.layers.append((p, s))
        return s


def seq(module, x):
    """Applies a stateless module to [T, B, ...] by folding T into the batch (SeqToANNContainer)."""
    t, b = x.shape[0], x.shape[1]
    y = module(x.flatten(0, 1))
    return y.view(t, b, *y.shape[1:])


def stem(conv, bn, x, steps, stem_once):
    if stem_once:
        y = bn(conv(x))
        return y.unsqueeze(0).expand(steps, *y.shape)
    xs = x.unsqueeze(0).repeat(steps, *([1] * x.dim()))
    return seq(lambda z: bn(conv(z)), xs)


class Cnn(nn.Module):
    """The reference network: conv 1->32, BN, LIF, avgpool 2, conv 32->64, BN, LIF, avgpool 2, linear 3136->10."""

    def __init__(self, steps, stem_once):
        super().__init__()
        self.steps, self.stem_once, self.layers = steps, stem_once, []
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.lif1 = Lif(self.layers)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.lif2 = Lif(self.layers)
        self.fc = nn.Linear(64 * 7 * 7, 10)

    def forward(self, x):
        self.layers.clear()
        y = self.lif1(stem(self.conv1, self.bn1, x, self.steps, self.stem_once))
        y = seq(lambda z: F.avg_pool2d(z, 2), y)
        y = self.lif2(seq(lambda z: self.bn2(self.conv2(z)), y))
        y = seq(lambda z: F.avg_pool2d(z, 2), y)
        return seq(lambda z: self.fc(z.flatten(1)), y)


class Block(nn.Module):
    """Spiking basic block: LIF(BN(conv(LIF(BN(conv(x))))) + shortcut(x)), shortcut conv1x1+BN when the shape changes."""

    def __init__(self, layers, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.lif1 = Lif(layers)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        self.lif2 = Lif(layers)

    def forward(self, x):
        y = self.lif1(seq(lambda z: self.bn1(self.conv1(z)), x))
        y = seq(lambda z: self.bn2(self.conv2(z)), y)
        sc = x if self.short is None else seq(self.short, x)
        return self.lif2(y + sc)


class ResNet20(nn.Module):
    """Spiking ResNet-20 (SpikeKit's SpikingResNet.ResNet20): stem 16, 3 stages of 3 blocks (16, 32/2, 64/2), GAP, fc."""

    def __init__(self, steps, stem_once, width, classes=10):
        super().__init__()
        self.steps, self.stem_once, self.layers = steps, stem_once, []
        scale = lambda c: max(1, int(round(c * width)))
        c0 = scale(16)
        self.conv = nn.Conv2d(3, c0, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c0)
        self.lif = Lif(self.layers)
        blocks, cin = [], c0
        for channels, stride in ((16, 1), (32, 2), (64, 2)):
            cout = scale(channels)
            for b in range(3):
                blocks.append(Block(self.layers, cin, cout, stride if b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        self.layers.clear()
        y = self.lif(stem(self.conv, self.bn, x, self.steps, self.stem_once))
        y = self.blocks(y)
        return seq(lambda z: self.fc(F.adaptive_avg_pool2d(z, 1).flatten(1)), y)


def rmp(layers):
    """RMP-Loss: mean over layers of mean((clip(u_pre, 0, 1) - o.detach())^2)."""
    return sum(((p.clamp(0.0, 1.0) - s.detach()) ** 2).mean() for p, s in layers) / len(layers)


def sgd(model, lr=0.1, momentum=0.9, weight_decay=1e-4):
    """SGD as SpikeKit's Trainer builds it: weight decay only on parameters of rank >= 2."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}],
                           lr=lr, momentum=momentum)


class Trainer:
    """One training step as SpikeKit's Trainer does it: CE on the mean output + lambda*RMP, backward, SGD, metrics."""

    def __init__(self, model, lam):
        self.model, self.lam, self.opt = model, lam, sgd(model)
        model.train()

    def step(self, x, y):
        self.opt.zero_grad()
        out = self.model(x)
        task = F.cross_entropy(out.mean(0), y)
        reg = rmp(self.model.layers)
        total = task + self.lam * reg
        total.backward()
        loss = total.item()
        if not math.isfinite(loss):
            raise RuntimeError(f"loss diverged: {loss}")
        self.opt.step()
        task.item(), reg.item()
        with torch.no_grad():
            correct = int(out.mean(0).argmax(1).eq(y).sum().item())
        self.model.layers.clear()
        return loss, correct


def proc_status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


class LifWork:
    """LIF forward + backward on [T, B, F] (spikes only, as SpikingJelly without store_v_seq), fixed upstream gradient."""

    def __init__(self, a):
        torch.manual_seed(1)
        shape = (a.int("t", 8), a.int("batch", 64), a.int("features", 65536))
        self.x = torch.randn(shape).mul_(0.5).add_(0.3)
        self.g = torch.randn(shape)
        self.info = {"shape": list(shape)}

    def step(self):
        x = self.x.detach().requires_grad_(True)
        s, _ = lif(x, False)
        s.backward(self.g)
        _ = x.grad.sum().item()
        return {}


class NetWork:
    """One training step of the reference CNN or ResNet-20 on a fixed random batch."""

    def __init__(self, a, kind):
        torch.manual_seed(a.int("seed", 0))
        steps, batch, stem_once = a.int("t", 4), a.int("batch", 64), a.str("stem", "once") == "once"
        if kind == "cnn":
            model, shape = Cnn(steps, stem_once), (batch, 1, 28, 28)
        else:
            model, shape = ResNet20(steps, stem_once, a.float("width", 0.25)), (batch, 3, 32, 32)
        self.x = torch.randn(shape)
        self.y = torch.randint(0, 10, (batch,))
        self.trainer = Trainer(model, a.float("lambda", 0.5))
        self.info = {"parameters": sum(p.numel() for p in model.parameters()), "stem": "once" if stem_once else "naive"}

    def step(self):
        loss, _ = self.trainer.step(self.x, self.y)
        return {"loss": loss}


class EpochWork:
    """One Fashion-MNIST training epoch end to end: shuffled DataLoader over the in-memory uint8 images, per-batch
    normalization, training steps. Test-set evaluation is not part of it."""

    MEAN, STD = 0.2860, 0.3530

    def __init__(self, a):
        torch.manual_seed(a.int("seed", 0))
        t0 = time.perf_counter()
        folder = a.str("data", "/usr/share/datasets/fashion-mnist")
        images = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).long()
        samples = a.int("samples", 10000)
        images, labels = images[:samples].unsqueeze(1).contiguous(), labels[:samples].contiguous()
        self.loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels),
                                                  batch_size=a.int("batch", 64), shuffle=True)
        load_ms = (time.perf_counter() - t0) * 1000
        model = Cnn(a.int("t", 4), a.str("stem", "once") == "once")
        self.trainer = Trainer(model, a.float("lambda", 0.5))
        for _ in range(a.int("warmup-steps", 3)):          # settle allocator and caches before the first timed epoch
            x, y = next(iter(self.loader))
            self.trainer.step(self.normalize(x), y)
        self.info = {"samples": samples, "load_ms": load_ms, "stem": a.str("stem", "once")}

    def normalize(self, x):
        return x.float().div_(255.0).sub_(self.MEAN).div_(self.STD)

    def step(self):
        data_s, steps, correct, loss_sum, seen = 0.0, 0, 0, 0.0, 0
        it = iter(self.loader)
        while True:
            t0 = time.perf_counter()
            try:
                x, y = next(it)
            except StopIteration:
                data_s += time.perf_counter() - t0
                break
            x = self.normalize(x)
            data_s += time.perf_counter() - t0
            loss, c = self.trainer.step(x, y)
            loss_sum, correct, seen, steps = loss_sum + loss, correct + c, seen + y.shape[0], steps + 1
        return {"data_ms": data_s * 1000, "steps": steps, "loss": loss_sum / steps, "accuracy": correct / seen}


class Args:
    def __init__(self, argv):
        self.d = {}
        for i in range(0, len(argv), 2):
            if not argv[i].startswith("--") or i + 1 >= len(argv):
                raise SystemExit(f"bad option {argv[i]!r}")
            self.d[argv[i][2:]] = argv[i + 1]

    def str(self, k, default):
        return self.d.get(k, default)

    def int(self, k, default):
        return int(self.d.get(k, default))

    def float(self, k, default):
        return float(self.d.get(k, default))


def main(argv):
    if len(argv) < 2 or argv[0] != "worker":
        print(__doc__, file=sys.stderr)
        return 2
    kind, a = argv[1], Args(argv[2:])
    threads = a.int("threads", 0)
    if threads > 0:
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    if kind == "lif":
        work = LifWork(a)
    elif kind in ("cnn", "resnet20"):
        work = NetWork(a, kind)
    elif kind == "epoch":
        work = EpochWork(a)
    else:
        print(f"unknown workload {kind!r} (known: lif, cnn, resnet20, epoch)", file=sys.stderr)
        return 2
    info = dict(work.info)
    info.update({"setup_ms": (time.perf_counter() - t0) * 1000, "threads": torch.get_num_threads(),
                 "torch": torch.__version__, "python": sys.version.split()[0], "rss_mib": proc_status_mib("VmRSS")})
    print("ready " + json.dumps(info), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "step":
            t = time.perf_counter()
            extra = work.step()
            ms = (time.perf_counter() - t) * 1000
            print("done " + json.dumps(dict(extra, ms=ms)), flush=True)
        elif cmd == "stats":
            print("stats " + json.dumps({"peak_rss_mib": proc_status_mib("VmHWM"), "rss_mib": proc_status_mib("VmRSS")}),
                  flush=True)
        elif cmd == "quit":
            return 0
        else:
            print(f"unknown command {cmd!r}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
