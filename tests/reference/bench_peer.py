#!/usr/bin/python3
"""PyTorch peers of SpikeKit's benchmark harness (tests/SpikeKit.Benchmarks, command `compare`).

The harness starts this script as a worker process and drives it step by step, alternating with the SpikeKit worker of
the same workload. Run it with Debian's python3-torch (1.13, CPU) under the system interpreter:

    /usr/bin/python3 tests/reference/bench_peer.py worker WORKLOAD [--key value ...]

The networks come in three designs (snntorch, spikingjelly, naive; see peer_nets.py for what each one does):
  --design snntorch|spikingjelly|naive    (default naive)
  --loss baseline|rmp  --lambda 0.5       baseline: CE on the mean output over T; rmp: + lambda * RMP-Loss
  --groups 2|1                            SGD parameter groups (2: weight decay only on rank >= 2, as SpikeKit)
  naive only: --stem once|naive  --keep-potentials 1|0  --detach-reset 0|1  --spike function|detach
              --index select|unbind

Workloads:
  lif        multi-step LIF forward + backward on [T, B, F] (the naive op-by-op loop)
  cnn        one training step of the reference CNN;  resnet20: of the slim spiking ResNet-20 (--width 0.25)
  infer      one evaluation pass (eval mode, no grad) of --net cnn|resnet20: forward, CE, argmax
  convs      the network's convolutions alone, forward + backward with the step's shapes (--net, --layout
             spikekit|multi|perstep|all: stem once on [B] and the rest on [T*B] / all on [T*B] / all on [B] T times /
             the three in turn, each reported)
  profile    --steps N training steps under torch.profiler; "done" carries the top ops by self CPU time
  epoch      one Fashion-MNIST training epoch end to end

Line protocol (stdout carries only protocol lines; logs go to stderr):
  worker prints  "ready {json}" after setup;  then for each command read from stdin:
  "step"  -> runs one unit, prints "done {json}" with "ms" and "minflt" (minor page faults during the step);
  "stats" -> prints "stats {json}" (peak and current RSS from /proc/self/status, in MiB);
  "quit"  -> exits.
"""
import gzip
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_nets as P  # noqa: E402


def sgd(model, groups=2, lr=0.1, momentum=0.9, weight_decay=1e-4):
    """SGD as SpikeKit's Trainer builds it: weight decay only on parameters of rank >= 2 (groups=1: on all of them)."""
    if groups == 1:
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}],
                           lr=lr, momentum=momentum)


class Trainer:
    """One training step as SpikeKit's Trainer does it: CE on the mean output (+ lambda*RMP), backward, SGD, metrics."""

    def __init__(self, model, lam, groups=2):
        self.model, self.lam, self.opt = model, lam, sgd(model, groups)
        model.train()

    def step(self, x, y):
        self.opt.zero_grad()
        out = self.model(x)
        task = F.cross_entropy(out.mean(0), y)
        reg = self.model.rmp() if self.lam > 0 else None
        total = task if reg is None else task + self.lam * reg
        total.backward()
        loss = total.item()
        if not math.isfinite(loss):
            raise RuntimeError(f"loss diverged: {loss}")
        self.opt.step()
        task.item()
        if reg is not None:
            reg.item()
        with torch.no_grad():
            correct = int(out.mean(0).argmax(1).eq(y).sum().item())
        self.model.after_step()           # spikingjelly: functional.reset_net; the others drop their records
        return loss, correct


def proc_status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def blas_libraries():
    """The BLAS / LAPACK / oneDNN libraries mapped into this process (what torch's matmul and convolutions run on)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if any(k in name for k in ("blas", "mkl", "dnnl", "lapack")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def naive_options(a):
    return P.NaiveOptions(stem_once=a.str("stem", "once") == "once", keep_potentials=a.int("keep-potentials", 1) == 1,
                          detach_reset=a.int("detach-reset", 0) == 1, spike=a.str("spike", "function"),
                          unbind=a.str("index", "select") == "unbind")


def make_model(a, net):
    design = a.str("design", "naive")
    rmp = a.str("loss", "baseline") == "rmp"
    model = P.build(design, net, a.int("t", 4), a.float("width", 0.25), record=rmp, naive=naive_options(a))
    return model, design, rmp


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
        s, _ = P.naive_lif(x, False)
        s.backward(self.g)
        _ = x.grad.sum().item()
        return {}


class NetWork:
    """One training step of the reference CNN or ResNet-20 on a fixed random batch."""

    def __init__(self, a, net):
        torch.manual_seed(a.int("seed", 0))
        model, design, rmp = make_model(a, net)
        shape = P.input_shape(net, a.int("batch", 64))
        self.x = torch.randn(shape)
        self.y = torch.randint(0, 10, (shape[0],))
        self.trainer = Trainer(model, a.float("lambda", 0.5) if rmp else 0.0, a.int("groups", 2))
        self.info = {"parameters": sum(p.numel() for p in model.parameters()), "design": design,
                     "loss": "rmp" if rmp else "baseline"}

    def step(self):
        loss, _ = self.trainer.step(self.x, self.y)
        return {"loss": loss}


class InferWork:
    """One evaluation pass on a fixed batch: eval mode, no grad; forward, CE on the mean output, argmax."""

    def __init__(self, a):
        torch.manual_seed(a.int("seed", 0))
        net = a.str("net", "cnn")
        self.model, design, _ = make_model(a, net)
        self.model.eval()
        shape = P.input_shape(net, a.int("batch", 64))
        self.x = torch.randn(shape)
        self.y = torch.randint(0, 10, (shape[0],))
        self.info = {"design": design, "net": net}

    def step(self):
        with torch.no_grad():
            out = self.model(self.x)
            loss = F.cross_entropy(out.mean(0), self.y).item()
            correct = int(out.mean(0).argmax(1).eq(self.y).sum().item())
        self.model.after_step()
        return {"loss": loss, "correct": correct}


def conv_calls(net, steps, batch, width, layout):
    """The convolutions one training step runs: [(conv module, input shape, input needs grad)] in forward order."""
    if layout == "perstep":
        model = P.build("snntorch", net, steps, width, record=False)
    else:
        model = P.build("naive", net, steps, width, naive=P.NaiveOptions(stem_once=layout == "spikekit", keep_potentials=False))
    calls = []
    hooks = [m.register_forward_pre_hook(lambda m, i: calls.append((m, tuple(i[0].shape), i[0].requires_grad)))
             for m in model.modules() if isinstance(m, nn.Conv2d)]
    model.train()
    model(torch.randn(P.input_shape(net, batch)))
    for h in hooks:
        h.remove()
    return model, calls


class ConvsWork:
    """The network's convolutions alone: forward + backward (weight gradient, and the input gradient wherever the step
    needs it, i.e. everywhere but on the image) with the shapes and kinds of input of one training step, in forward order
    (the stem on a uniform random image, the others on spikes, 0/1 with 20 % ones). --layout all
    times the three layouts one after the other (in turn first) and reports each ("spikekit_ms", "perstep_ms",
    "multi_ms"); the step's "ms" is then their sum."""

    LAYOUTS = ("spikekit", "perstep", "multi")

    def __init__(self, a):
        torch.manual_seed(0)
        net, layout = a.str("net", "cnn"), a.str("layout", "spikekit")
        layouts = self.LAYOUTS if layout == "all" else (layout,)
        self.sets, self.models, self.turn = {}, [], 0
        self.info = {"net": net, "layout": layout}
        for lay in layouts:
            model, calls = conv_calls(net, a.int("t", 4), a.int("batch", 64), a.float("width", 0.25), lay)
            self.models.append(model)
            prepared = []
            for m, shape, grad in calls:
                # the step's kinds of input: the image (uniform random) for the stem, spikes (0/1, 20 % ones) elsewhere
                x = torch.rand(shape).lt(0.2).float() if grad else torch.rand(shape)
                with torch.no_grad():
                    g = torch.randn_like(m(x))
                prepared.append((m, x, grad, g))
            self.sets[lay] = prepared
            macs = sum(m.weight.numel() // m.weight.shape[0] * g.numel() for m, x, _, g in prepared)
            self.info[f"{lay}_convs"] = len(prepared)
            self.info[f"{lay}_gmacs_forward"] = macs / 1e9
        self.info["gmacs_forward"] = self.info[f"{layouts[0]}_gmacs_forward"]

    @staticmethod
    def run(calls):
        for m, x, grad, g in calls:
            m.weight.grad = None
            xi = x.detach().requires_grad_(grad)
            m(xi).backward(g)

    def step(self):
        names = list(self.sets)
        order = names[self.turn % len(names):] + names[:self.turn % len(names)]
        self.turn += 1
        out = {}
        for lay in order:
            t = time.perf_counter()
            self.run(self.sets[lay])
            out[f"{lay}_ms"] = (time.perf_counter() - t) * 1000
        return out


class ProfileWork:
    """torch.profiler over --steps training steps: the top ops by self CPU time, per step."""

    def __init__(self, a):
        self.work = NetWork(a, a.str("net", "cnn"))
        for _ in range(a.int("warmup", 2)):
            self.work.step()
        self.steps, self.top = a.int("steps", 3), a.int("top", 15)
        self.info = dict(self.work.info, steps=self.steps)

    def step(self):
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(self.steps):
                self.work.step()
        events = prof.key_averages()
        total = sum(e.self_cpu_time_total for e in events)
        rows = sorted(events, key=lambda e: -e.self_cpu_time_total)
        return {"total_self_ms": total / 1000 / self.steps,
                "ops": [{"name": e.key, "self_ms": e.self_cpu_time_total / 1000 / self.steps,
                         "share": e.self_cpu_time_total / total, "calls": e.count / self.steps,
                         "cpu_total_ms": e.cpu_time_total / 1000 / self.steps} for e in rows[:self.top]]}


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
        model, design, rmp = make_model(a, "cnn")
        self.trainer = Trainer(model, a.float("lambda", 0.5) if rmp else 0.0, a.int("groups", 2))
        for _ in range(a.int("warmup-steps", 3)):          # settle allocator and caches before the first timed epoch
            x, y = next(iter(self.loader))
            self.trainer.step(self.normalize(x), y)
        self.info = {"samples": samples, "load_ms": load_ms, "design": design, "loss": "rmp" if rmp else "baseline"}

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


WORKLOADS = {
    "lif": LifWork,
    "cnn": lambda a: NetWork(a, "cnn"),
    "resnet20": lambda a: NetWork(a, "resnet20"),
    "infer": InferWork,
    "convs": ConvsWork,
    "profile": ProfileWork,
    "epoch": EpochWork,
}


def main(argv):
    if len(argv) < 2 or argv[0] != "worker":
        print(__doc__, file=sys.stderr)
        return 2
    kind, a = argv[1], Args(argv[2:])
    threads = a.int("threads", 0)
    if threads > 0:
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    if kind not in WORKLOADS:
        print(f"unknown workload {kind!r} (known: {', '.join(WORKLOADS)})", file=sys.stderr)
        return 2
    work = WORKLOADS[kind](a)
    info = dict(work.info)
    info.update({"setup_ms": (time.perf_counter() - t0) * 1000, "threads": torch.get_num_threads(),
                 "torch": torch.__version__, "python": sys.version.split()[0], "rss_mib": proc_status_mib("VmRSS"),
                 "blas": blas_libraries()})
    print("ready " + json.dumps(info), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "step":
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t = time.perf_counter()
            extra = work.step()
            ms = (time.perf_counter() - t) * 1000
            minflt = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
            print("done " + json.dumps(dict(extra, ms=ms, minflt=minflt)), flush=True)
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
