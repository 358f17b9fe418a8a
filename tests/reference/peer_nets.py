"""The PyTorch peers of SpikeKit's benchmark networks, in three designs (used by bench_peer.py and check_peers.py).

Every design computes the same neuron as SpikeKit's LifNeuron with its defaults:
    u_pre[t] = tau * u[t-1] + x[t]    (tau = 0.25, u[-1] = 0)
    o[t]     = H(u_pre[t] - V_th)      (V_th = 0.5, H(0) = 1; backward: the tanh surrogate, k = 3, width 1)
    u[t]     = u_pre[t] * (1 - o[t])   (hard reset to zero)
on the same networks (reference CNN; slim spiking ResNet-20), with BN (alpha*V_th = 1), float32. What differs is the way
each framework organises the computation, which is what the benchmark measures:

  naive         the harness's original peer (kept for continuity): multi-step layers on [T*B, ...], the LIF an op-by-op
                loop over T with the spike a custom autograd Function, the reset u = pre * (1 - o) with gradient, the
                stem (conv1 + BN) once on [B, ...] expanded over T, potentials always kept and stacked. Switches for the
                ablation: stem, keep_potentials, detach_reset, spike ("function" or "detach" trick), unbind (per-step
                inputs as views of x.unbind(0) instead of x[t]).
  snntorch      the snnTorch design: a stateful Leaky-style neuron called once per timestep, the whole network stepped
                per timestep (convs, BN, pooling, linear on [B, ...] at every step, the stem recomputed at every step),
                the outputs recorded per step and stacked. Leaky as snnTorch runs it: the reset signal is recomputed at
                the start of each step from the previous membrane with the surrogate Function and detached
                (reset = spike_grad(mem - thr).clone().detach()), reset_mechanism "zero" applies mem = (1 - reset) * mem
                before the charge mem = beta.clamp(0, 1) * mem + input, and the spike is spike_grad(mem - thr) times the
                graded-spike factor (1). Semantic differences to SpikeKit (documented in docs/BENCHMARKS.md): no gradient
                through the reset (snnTorch always detaches it), and BN statistics per timestep over B (BN called on
                [B, ...] T times per forward, running statistics updated T times).
  spikingjelly  the SpikingJelly design in multi-step mode: stateless layers on [T*B, ...] folded (layer.Conv2d,
                layer.BatchNorm2d, ... = SeqToANNContainer), the input repeated over T as in its Fashion-MNIST tutorial,
                LIFNode with the 'torch' backend = a Python loop over T of single-step charge / fire / reset on [B, ...]
                with TorchScript charge and reset functions, the surrogate an autograd Function (heaviside forward,
                TorchScript backward), functional.reset_net after every step; in eval mode the TorchScript multi-step
                loop SpikingJelly uses for inference. The charge: LIFNode(decay_input=False, v_reset=0) computes
                v = v * (1 - 1/tau) + x, so tau = 4/3 gives 1 - 1/tau = 0.25 exactly (in float64, and so in float32);
                the hard reset is SpikingJelly's v = (1 - s) * v + s * v_reset with v_reset = 0, gradient through it
                (detach_reset=False, its default), so forward values and gradients equal the naive peer's.

All code here is written for this benchmark after the frameworks' published designs; neither framework is imported.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

TAU, VTH = 0.25, 0.5                  # LIF decay and threshold (RMP-Loss defaults, as SpikeKit's NeuronOptions)
K, WIDTH = 3.0, 1.0                   # tanh surrogate sharpness and support width (SpikeKit's TanhSurrogate)
NORM = 2.0 * math.tanh(K / 2.0)
SJ_TAU = 4.0 / 3.0                    # SpikingJelly tau with decay_input=False: v * (1 - 1/tau) == 0.25 * v
assert 1.0 - 1.0 / SJ_TAU == TAU

DESIGNS = ("snntorch", "spikingjelly", "naive")


def surrogate_grad(grad, x):
    """grad * k*(1 - tanh^2(k*x/w)) / (w * 2*tanh(k/2)) for |x| <= w/2, else 0 (x = u - V_th)."""
    t = torch.tanh(x * (K / WIDTH))
    d = (1.0 - t * t) * (K / (WIDTH * NORM))
    return grad * d * (x.abs() <= WIDTH / 2).to(x.dtype)


def rmp_term(layers):
    """RMP-Loss: mean over layers of mean((clip(u_pre, 0, 1) - o.detach())^2); layers = [(potentials, spikes)]."""
    return sum(((p.clamp(0.0, 1.0) - s.detach()) ** 2).mean() for p, s in layers) / len(layers)


def _scale(width):
    return lambda c: max(1, int(round(c * width)))


# ----------------------------------------------------------------------------------------------------------------------
# naive: the original peer
# ----------------------------------------------------------------------------------------------------------------------

class TanhSpike(torch.autograd.Function):
    """o = H(x), x = u - Vth; backward: the tanh surrogate derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return surrogate_grad(grad, x)


def _tanh_primitive(x):
    """A function whose derivative is the surrogate's (for the detach trick): (tanh(k*clip(x/w)) + tanh(k/2)) / norm."""
    c = (x / WIDTH).clamp(-0.5, 0.5)
    return (torch.tanh(c * K) + math.tanh(K / 2)) / NORM


def spike_detach(x):
    """H(x) in forward, the surrogate's derivative in backward, from tensor ops only: H.detach() + g - g.detach()."""
    g = _tanh_primitive(x)
    return (x >= 0).to(x.dtype).detach() + g - g.detach()


class NaiveOptions:
    def __init__(self, stem_once=True, keep_potentials=True, detach_reset=False, spike="function", unbind=False):
        self.stem_once, self.keep_potentials, self.detach_reset = stem_once, keep_potentials, detach_reset
        self.spike = TanhSpike.apply if spike == "function" else spike_detach
        self.unbind = unbind


def naive_lif(x, keep_potentials, detach_reset=False, spike=TanhSpike.apply, unbind=False):
    """Multi-step LIF over x [T, B, ...]: spikes [T, B, ...] and, if asked, pre-firing potentials [T, B, ...].
    The input of step t is x[t] (a select, whose backward writes into a zero-filled [T, B, ...] tensor per step) or,
    with unbind, the t-th view of x.unbind(0) (whose backward stacks the T step gradients once)."""
    u = None
    spikes, pots = [], []
    xs = x.unbind(0) if unbind else x
    for t in range(x.shape[0]):
        pre = xs[t] if u is None else u * TAU + xs[t]
        o = spike(pre - VTH)
        u = pre * (1.0 - (o.detach() if detach_reset else o))   # hard reset, gradient through it unless detached
        spikes.append(o)
        if keep_potentials:
            pots.append(pre)
    return torch.stack(spikes), (torch.stack(pots) if keep_potentials else None)


class NaiveLif(nn.Module):
    def __init__(self, layers, o):
        super().__init__()
        self.layers, self.o = layers, o        # shared list collecting (potentials, spikes) for the regularizer

    def forward(self, x):
        s, p = naive_lif(x, self.o.keep_potentials, self.o.detach_reset, self.o.spike, self.o.unbind)
        if p is not None:
            self.layers.append((p, s))
        return s


def seq(module, x):
    """Applies a stateless module to [T, B, ...] by folding T into the batch (SeqToANNContainer)."""
    t, b = x.shape[0], x.shape[1]
    y = module(x.flatten(0, 1))
    return y.view(t, b, *y.shape[1:])


def naive_stem(conv, bn, x, steps, stem_once):
    if stem_once:
        y = bn(conv(x))
        return y.unsqueeze(0).expand(steps, *y.shape)
    xs = x.unsqueeze(0).repeat(steps, *([1] * x.dim()))
    return seq(lambda z: bn(conv(z)), xs)


class NaiveCnn(nn.Module):
    """The reference network: conv 1->32, BN, LIF, avgpool 2, conv 32->64, BN, LIF, avgpool 2, linear 3136->10."""

    def __init__(self, steps, o=None):
        super().__init__()
        self.o = o or NaiveOptions()
        self.steps, self.layers = steps, []
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.lif1 = NaiveLif(self.layers, self.o)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.lif2 = NaiveLif(self.layers, self.o)
        self.fc = nn.Linear(64 * 7 * 7, 10)

    def forward(self, x):
        self.layers.clear()
        y = self.lif1(naive_stem(self.conv1, self.bn1, x, self.steps, self.o.stem_once))
        y = seq(lambda z: F.avg_pool2d(z, 2), y)
        y = self.lif2(seq(lambda z: self.bn2(self.conv2(z)), y))
        y = seq(lambda z: F.avg_pool2d(z, 2), y)
        return seq(lambda z: self.fc(z.flatten(1)), y)

    def rmp(self):
        return rmp_term(self.layers)

    def after_step(self):
        self.layers.clear()


class NaiveBlock(nn.Module):
    """Spiking basic block: LIF(BN(conv(LIF(BN(conv(x))))) + shortcut(x)), shortcut conv1x1+BN when the shape changes."""

    def __init__(self, layers, o, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.lif1 = NaiveLif(layers, o)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        self.lif2 = NaiveLif(layers, o)

    def forward(self, x):
        y = self.lif1(seq(lambda z: self.bn1(self.conv1(z)), x))
        y = seq(lambda z: self.bn2(self.conv2(z)), y)
        sc = x if self.short is None else seq(self.short, x)
        return self.lif2(y + sc)


def resnet20_plan(width):
    """(stem channels, [(cin, cout, stride)] of the 9 blocks) of SpikeKit's SpikingResNet.ResNet20 at this width."""
    scale = _scale(width)
    c0 = scale(16)
    blocks, cin = [], c0
    for channels, stride in ((16, 1), (32, 2), (64, 2)):
        cout = scale(channels)
        for b in range(3):
            blocks.append((cin, cout, stride if b == 0 else 1))
            cin = cout
    return c0, blocks


class NaiveResNet20(nn.Module):
    """Spiking ResNet-20 (SpikeKit's SpikingResNet.ResNet20): stem 16, 3 stages of 3 blocks (16, 32/2, 64/2), GAP, fc."""

    def __init__(self, steps, width, o=None, classes=10):
        super().__init__()
        self.o = o or NaiveOptions()
        self.steps, self.layers = steps, []
        c0, plan = resnet20_plan(width)
        self.conv = nn.Conv2d(3, c0, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c0)
        self.lif = NaiveLif(self.layers, self.o)
        self.blocks = nn.Sequential(*[NaiveBlock(self.layers, self.o, ci, co, s) for ci, co, s in plan])
        self.fc = nn.Linear(plan[-1][1], classes)

    def forward(self, x):
        self.layers.clear()
        y = self.lif(naive_stem(self.conv, self.bn, x, self.steps, self.o.stem_once))
        y = self.blocks(y)
        return seq(lambda z: self.fc(F.adaptive_avg_pool2d(z, 1).flatten(1)), y)

    def rmp(self):
        return rmp_term(self.layers)

    def after_step(self):
        self.layers.clear()


# ----------------------------------------------------------------------------------------------------------------------
# snntorch: a stateful neuron stepped per timestep
# ----------------------------------------------------------------------------------------------------------------------

class SnnSpike(torch.autograd.Function):
    """snnTorch's surrogate style: Heaviside forward, surrogate backward (here the tanh surrogate; H(0) = 1 as SpikeKit)."""

    @staticmethod
    def forward(ctx, input_):
        ctx.save_for_backward(input_)
        return (input_ >= 0).float()

    @staticmethod
    def backward(ctx, grad_output):
        (input_,) = ctx.saved_tensors
        return surrogate_grad(grad_output, input_)


def snn_tanh_surrogate():
    """As snnTorch's surrogate factories (surrogate.atan() etc.): a closure that applies the Function."""
    def inner(x):
        return SnnSpike.apply(x)
    return inner


class SnnLeaky(nn.Module):
    """First-order LIF for one timestep, the way snnTorch's Leaky runs with reset_mechanism="zero" (reset_delay=True)."""

    def __init__(self, beta=TAU, threshold=VTH, spike_grad=None, init_hidden=False):
        super().__init__()
        self.register_buffer("beta", torch.as_tensor(beta))
        self.register_buffer("threshold", torch.as_tensor(threshold))
        self.register_buffer("graded_spikes_factor", torch.as_tensor(1.0))
        self.register_buffer("mem", torch.zeros(0), persistent=False)
        self.spike_grad = spike_grad or snn_tanh_surrogate()
        self.init_hidden = init_hidden

    def reset_mem(self):
        self.mem = torch.zeros_like(self.mem)
        return self.mem

    def mem_reset(self, mem):
        return self.spike_grad(mem - self.threshold).clone().detach()

    def fire(self, mem):
        return self.spike_grad(mem - self.threshold) * self.graded_spikes_factor

    def forward(self, input_, mem=None):
        if mem is not None:
            self.mem = mem
        if self.mem.shape != input_.shape:
            self.mem = torch.zeros_like(input_)
        self.reset = self.mem_reset(self.mem)
        self.mem = (1 - self.reset) * self.mem                       # reset to zero (from the previous step's spike)
        self.mem = self.beta.clamp(0, 1) * self.mem + input_        # charge
        spk = self.fire(self.mem)
        return spk if self.init_hidden else (spk, self.mem)


def snn_reset(net):
    """snntorch.utils.reset: zero the hidden state of every neuron."""
    for m in net.modules():
        if isinstance(m, SnnLeaky):
            m.reset_mem()


class SnnCnn(nn.Module):
    """The reference CNN stepped per timestep, as in snnTorch's tutorials (explicit membrane passing)."""

    def __init__(self, steps, record=False):
        super().__init__()
        self.steps, self.record, self.layers = steps, record, []
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.lif1 = SnnLeaky()
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.lif2 = SnnLeaky()
        self.fc = nn.Linear(64 * 7 * 7, 10)

    def forward(self, x):
        mem1 = self.lif1.reset_mem()
        mem2 = self.lif2.reset_mem()
        out_rec = []
        self.layers = []
        for _ in range(self.steps):
            cur1 = self.bn1(self.conv1(x))
            spk1, mem1 = self.lif1(cur1, mem1)
            cur2 = self.bn2(self.conv2(F.avg_pool2d(spk1, 2)))
            spk2, mem2 = self.lif2(cur2, mem2)
            out_rec.append(self.fc(F.avg_pool2d(spk2, 2).flatten(1)))
            if self.record:
                self.layers.append(((mem1, spk1), (mem2, spk2)))
        return torch.stack(out_rec)

    def rmp(self):
        return snn_rmp(self.layers)

    def after_step(self):
        self.layers = []


def snn_rmp(steps):
    """The RMP term from the per-step records [(mem, spk) per layer] (mean over layers and steps of per-step means;
    the steps have equal sizes, so this is the mean over [T, B, ...] of each layer, as the multi-step peers)."""
    total, n = 0.0, 0
    for layers in steps:
        for mem, spk in layers:
            total = total + ((mem.clamp(0.0, 1.0) - spk.detach()) ** 2).mean()
            n += 1
    return total / n


class SnnBlock(nn.Module):
    """Basic block for one timestep; the neurons keep their state (snnTorch's init_hidden=True)."""

    def __init__(self, net, cin, cout, stride):
        super().__init__()
        self.net = [net]
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.lif1 = SnnLeaky(init_hidden=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        self.lif2 = SnnLeaky(init_hidden=True)

    def forward(self, x):
        s1 = self.lif1(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(s1))
        sc = x if self.short is None else self.short(x)
        s2 = self.lif2(y + sc)
        net = self.net[0]
        if net.record:
            net.current.extend([(self.lif1.mem, s1), (self.lif2.mem, s2)])
        return s2


class SnnResNet20(nn.Module):
    """Spiking ResNet-20 stepped per timestep (stateful neurons, utils.reset at the start of the forward)."""

    def __init__(self, steps, width, record=False, classes=10):
        super().__init__()
        self.steps, self.record, self.layers, self.current = steps, record, [], []
        c0, plan = resnet20_plan(width)
        self.conv = nn.Conv2d(3, c0, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c0)
        self.lif = SnnLeaky(init_hidden=True)
        self.blocks = nn.Sequential(*[SnnBlock(self, ci, co, s) for ci, co, s in plan])
        self.fc = nn.Linear(plan[-1][1], classes)

    def forward(self, x):
        snn_reset(self)
        out_rec = []
        self.layers = []
        for _ in range(self.steps):
            self.current = []
            s = self.lif(self.bn(self.conv(x)))
            if self.record:
                self.current.append((self.lif.mem, s))
            y = self.blocks(s)
            out_rec.append(self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1)))
            if self.record:
                self.layers.append(self.current)
        return torch.stack(out_rec)

    def rmp(self):
        return snn_rmp(self.layers)

    def after_step(self):
        self.layers, self.current = [], []


# ----------------------------------------------------------------------------------------------------------------------
# spikingjelly: multi-step layers, LIFNode with the torch backend
# ----------------------------------------------------------------------------------------------------------------------

@torch.jit.script
def sj_tanh_backward(grad_output: torch.Tensor, x: torch.Tensor, k: float, width: float, norm: float):
    t = torch.tanh(x * (k / width))
    d = (1.0 - t * t) * (k / (width * norm))
    return grad_output * d * (x.abs() <= width / 2).to(x.dtype)


class SjTanhSpike(torch.autograd.Function):
    """SpikingJelly's surrogate style: heaviside forward (saving x only when it needs a gradient), TorchScript backward."""

    @staticmethod
    def forward(ctx, x, k):
        if x.requires_grad:
            ctx.save_for_backward(x)
            ctx.k = k
        return (x >= 0).to(x)

    @staticmethod
    def backward(ctx, grad_output):
        return sj_tanh_backward(grad_output, ctx.saved_tensors[0], ctx.k, WIDTH, NORM), None


class SjTanh(nn.Module):
    """As surrogate.ATan etc.: a module whose forward applies the spiking Function."""

    def __init__(self, k=K):
        super().__init__()
        self.k = k

    def forward(self, x):
        return SjTanhSpike.apply(x, self.k)


@torch.jit.script
def sj_charge_no_decay_input_reset0(x: torch.Tensor, v: torch.Tensor, tau: float):
    v = v * (1.0 - 1.0 / tau) + x
    return v


@torch.jit.script
def sj_hard_reset(v: torch.Tensor, spike: torch.Tensor, v_reset: float):
    v = (1.0 - spike) * v + spike * v_reset
    return v


@torch.jit.script
def sj_eval_multi_step_hard_reset_no_decay_input(x_seq: torch.Tensor, v: torch.Tensor, v_threshold: float,
                                                 v_reset: float, tau: float):
    spike_seq = torch.zeros_like(x_seq)
    for t in range(x_seq.shape[0]):
        v = v - (v - v_reset) / tau + x_seq[t]
        spike = (v >= v_threshold).to(x_seq)
        v = v_reset * spike + (1.0 - spike) * v
        spike_seq[t] = spike
    return spike_seq, v


class SjLIFNode(nn.Module):
    """LIFNode(tau=4/3, decay_input=False, v_threshold=0.5, v_reset=0., detach_reset=False, step_mode='m',
    backend='torch'). record_pre keeps the charged (pre-reset) potential of every step for the RMP term (SpikingJelly
    has no switch for it; store_v_seq keeps the post-reset one), stacked at the end as store_v_seq does."""

    def __init__(self, tau=SJ_TAU, v_threshold=VTH, v_reset=0.0, detach_reset=False, record_pre=False):
        super().__init__()
        self.tau, self.v_threshold, self.v_reset, self.detach_reset = tau, v_threshold, v_reset, detach_reset
        self.surrogate_function = SjTanh()
        self.record_pre = record_pre
        self.v = 0.0
        self.v_pre_seq = None

    def reset(self):
        self.v = 0.0
        self.v_pre_seq = None

    def v_float_to_tensor(self, x):
        if isinstance(self.v, float):
            self.v = torch.full_like(x.data, self.v)

    def single_step_forward(self, x):
        self.v_float_to_tensor(x)
        self.v = sj_charge_no_decay_input_reset0(x, self.v, self.tau)          # neuronal_charge
        pre = self.v
        spike = self.surrogate_function(self.v - self.v_threshold)             # neuronal_fire
        spike_d = spike.detach() if self.detach_reset else spike               # neuronal_reset
        self.v = sj_hard_reset(self.v, spike_d, self.v_reset)
        return spike, pre

    def forward(self, x_seq):
        if self.training:
            y_seq, pre_seq = [], []
            for t in range(x_seq.shape[0]):
                y, pre = self.single_step_forward(x_seq[t])
                y_seq.append(y)
                if self.record_pre:
                    pre_seq.append(pre)
            if self.record_pre:
                self.v_pre_seq = torch.stack(pre_seq)
            return torch.stack(y_seq)
        self.v_float_to_tensor(x_seq[0])
        spike_seq, self.v = sj_eval_multi_step_hard_reset_no_decay_input(x_seq, self.v, self.v_threshold,
                                                                         self.v_reset, self.tau)
        return spike_seq


def seq_to_ann_forward(x_seq, stateless_module):
    y_shape = [x_seq.shape[0], x_seq.shape[1]]
    y = stateless_module(x_seq.flatten(0, 1))
    y_shape.extend(y.shape[1:])
    return y.view(y_shape)


class SjConv2d(nn.Conv2d):
    def forward(self, x):
        return seq_to_ann_forward(x, super().forward)


class SjBatchNorm2d(nn.BatchNorm2d):
    def forward(self, x):
        return seq_to_ann_forward(x, super().forward)


class SjAvgPool2d(nn.AvgPool2d):
    def forward(self, x):
        return seq_to_ann_forward(x, super().forward)


class SjAdaptiveAvgPool2d(nn.AdaptiveAvgPool2d):
    def forward(self, x):
        return seq_to_ann_forward(x, super().forward)


class SjFlatten(nn.Flatten):
    def forward(self, x):
        return seq_to_ann_forward(x, super().forward)


class SjLinear(nn.Linear):
    """layer.Linear: nn.Linear takes any leading dimensions, so [T, B, N] goes in as it is."""


def sj_reset_net(net):
    """functional.reset_net."""
    for m in net.modules():
        if hasattr(m, "reset"):
            m.reset()


class _SjNet(nn.Module):
    def _neurons(self):
        return [m for m in self.modules() if isinstance(m, SjLIFNode)]

    def rmp(self):
        return rmp_term([(n.v_pre_seq, n.last_spikes) for n in self._neurons()])

    def after_step(self):
        sj_reset_net(self)

    def _lif(self, record):
        node = SjLIFNode(record_pre=record)
        if record:                            # keep the spike sequence beside the potentials for the RMP term
            node.register_forward_hook(lambda m, i, o: setattr(m, "last_spikes", o))
        return node


class SjCnn(_SjNet):
    """The reference CNN as SpikingJelly's conv_fashion_mnist tutorial builds it (input repeated over T)."""

    def __init__(self, steps, record=False):
        super().__init__()
        self.steps = steps
        self.conv_fc = nn.Sequential(
            SjConv2d(1, 32, 3, padding=1, bias=False), SjBatchNorm2d(32), self._lif(record), SjAvgPool2d(2),
            SjConv2d(32, 64, 3, padding=1, bias=False), SjBatchNorm2d(64), self._lif(record), SjAvgPool2d(2),
            SjFlatten(), SjLinear(64 * 7 * 7, 10))

    def forward(self, x):
        x_seq = x.unsqueeze(0).repeat(self.steps, 1, 1, 1, 1)
        return self.conv_fc(x_seq)


class SjBlock(nn.Module):
    """SpikingJelly's spiking_resnet BasicBlock in multi-step mode."""

    def __init__(self, owner, record, cin, cout, stride):
        super().__init__()
        self.conv1 = SjConv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = SjBatchNorm2d(cout)
        self.sn1 = owner._lif(record)
        self.conv2 = SjConv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = SjBatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(SjConv2d(cin, cout, 1, stride=stride, bias=False), SjBatchNorm2d(cout))
        self.sn2 = owner._lif(record)

    def forward(self, x):
        identity = x
        out = self.sn1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.sn2(out)


class SjResNet20(_SjNet):
    def __init__(self, steps, width, record=False, classes=10):
        super().__init__()
        self.steps = steps
        c0, plan = resnet20_plan(width)
        self.conv1 = SjConv2d(3, c0, 3, padding=1, bias=False)
        self.bn1 = SjBatchNorm2d(c0)
        self.sn1 = self._lif(record)
        self.layers = nn.Sequential(*[SjBlock(self, record, ci, co, s) for ci, co, s in plan])
        self.avgpool = SjAdaptiveAvgPool2d(1)
        self.flatten = SjFlatten()
        self.fc = SjLinear(plan[-1][1], classes)

    def forward(self, x):
        x_seq = x.unsqueeze(0).repeat(self.steps, 1, 1, 1, 1)
        y = self.layers(self.sn1(self.bn1(self.conv1(x_seq))))
        return self.fc(self.flatten(self.avgpool(y)))


# ----------------------------------------------------------------------------------------------------------------------

def build(design, net, steps, width=0.25, record=True, naive=None):
    """The network `net` ("cnn" or "resnet20") in `design`; record: keep what the RMP term needs."""
    if design == "naive":
        o = naive or NaiveOptions()
        return NaiveCnn(steps, o) if net == "cnn" else NaiveResNet20(steps, width, o)
    if design == "snntorch":
        return SnnCnn(steps, record) if net == "cnn" else SnnResNet20(steps, width, record)
    if design == "spikingjelly":
        return SjCnn(steps, record) if net == "cnn" else SjResNet20(steps, width, record)
    raise ValueError(f"unknown design {design!r} (known: {', '.join(DESIGNS)})")


def input_shape(net, batch):
    return (batch, 1, 28, 28) if net == "cnn" else (batch, 3, 32, 32)
