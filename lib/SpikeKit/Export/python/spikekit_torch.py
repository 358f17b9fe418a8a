"""SpikeKit's models in plain PyTorch (the "PyTorch twin"), written by SpikeKit next to an exported state dict.

Every model of SpikeKit's zoo (cnn, resnet18, resnet19, resnet20, resnet34, vgg11, vgg16) is rebuilt here with the same
module attribute names, so the state dict SpikeKit exports loads with ``load_state_dict(..., strict=True)``, and with the
same arithmetic, so eval-mode logits match SpikeKit's. Needs only PyTorch (1.13 or later, CPU is enough).

Usage::

    import spikekit_torch
    model = spikekit_torch.load("model.pt")          # reads model.pt and its spec model.pt.json; eval mode
    logits = model(images)                           # images [B, C, H, W] -> per-timestep logits [T, B, K]
    scores = logits.mean(0)                          # class scores averaged over time, as SpikeKit reports

``model.pt`` is a plain ``torch.load`` state dict; ``model.safetensors`` (same keys) is read without the ``safetensors``
package. The spec sidecar ``PATH.json`` (JSON, written by SpikeKit) names the model and its options; ``build(spec)``
makes an untrained model from such a dict.

Semantics (as SpikeKit's C# code):

* Direct encoding: the stem (first convolution and its norm) runs once on the static image ``[B, C, H, W]``; its output is
  repeated over T steps and the rest of the network runs on ``[T, B, ...]``.
* LIF neuron, per timestep t (u[-1] = 0)::

      u_pre[t] = tau * u[t-1] + x[t]
      o[t]     = H(phi(u_pre[t]) - V_th),   H(z) = 1 if z >= 0 else 0   (surrogate gradient in backward)
      u[t]     = u_pre[t] * (1 - o[t])   (hard reset)   or   u_pre[t] - V_th * o[t]   (soft reset)

  IF is LIF with tau = 1; phi is the identity unless the InfLoR rectifier is set; with ``detach_reset`` no gradient flows
  through o[t] in the reset.
* tdBN on ``[T, B, C, ...]``: statistics per channel over T*B and space (running statistics in eval, momentum 0.1,
  eps 1e-5)::

      y = (alpha * V_th * lambda) * (x - E[x]) / sqrt(Var[x] + eps) + beta

  with alpha * V_th = V_th for ``norm = "tdbn"`` and 1 for ``norm = "bn"``; there is no ``num_batches_tracked``.
* MPBN (``mpbn = true``): a ``BatchNorm1d`` named ``bn`` inside every spiking layer normalizes u_pre[t] before firing,
  with batch statistics of each timestep in training; in eval ``u~ = u_pre * a + b``, ``a = gamma / sqrt(var + eps)``,
  ``b = beta - mean * a`` (two float ops, as SpikeKit computes it); the raw u_pre is reset, not u~.
"""

import collections
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "spikekit-torch/1"
"""The spec format this module reads (the ``format`` field of the sidecar)."""

SPEC_SUFFIX = ".json"
"""The spec sidecar of ``PATH`` is ``PATH + SPEC_SUFFIX``."""

MODELS = ("cnn", "resnet18", "resnet19", "resnet20", "resnet34", "vgg11", "vgg16")


# --------------------------------------------------------------------------------------------------------------------
# Surrogate gradients: forward is the exact Heaviside step H(x) = [x >= 0] of x = u - V_th, backward uses sigma'(x).
# --------------------------------------------------------------------------------------------------------------------

class Surrogate:
    """A surrogate derivative sigma'(x); ``spike(x)`` returns H(x) with gradient sigma'(x)."""

    name = ""

    def derivative(self, x):
        raise NotImplementedError

    def spike(self, x):
        if not x.requires_grad:
            return (x >= 0).to(x.dtype)
        return _SpikeFunction.apply(x, self)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % kv for kv in sorted(vars(self).items())))


class _SpikeFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, surrogate):
        ctx.save_for_backward(x)
        ctx.surrogate = surrogate
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.surrogate.derivative(x), None


class TanhSurrogate(Surrogate):
    """The RMP-Loss group's surrogate: sigma'(x) = k (1 - tanh^2(k x / w)) / (2 w tanh(k/2)) for |x| <= w/2, else 0.
    Defaults k = 3 (sharpness), w = 1 (width)."""

    name = "tanh"

    def __init__(self, sharpness=3.0, width=1.0):
        self.sharpness, self.width = float(sharpness), float(width)

    def derivative(self, x):
        norm = 2.0 * math.tanh(self.sharpness / 2.0)
        t = torch.tanh(x * (self.sharpness / self.width))
        inside = (x.abs() <= self.width / 2.0).to(x.dtype)
        return (1.0 - t * t) * (self.sharpness / (self.width * norm)) * inside


class RectangularSurrogate(Surrogate):
    """sigma'(x) = 1/a for |x| <= a/2, else 0 (edges inside). Default a = 1."""

    name = "rectangular"

    def __init__(self, a=1.0):
        self.a = float(a)

    def derivative(self, x):
        return (x.abs() <= self.a / 2).to(x.dtype) / self.a


class TriangleSurrogate(Surrogate):
    """sigma'(x) = max(0, gamma - |x|) / gamma^2. Default gamma = 1."""

    name = "triangle"

    def __init__(self, gamma=1.0):
        self.gamma = float(gamma)

    def derivative(self, x):
        return (self.gamma - x.abs()).clamp_min(0.0) / (self.gamma * self.gamma)


class SigmoidSurrogate(Surrogate):
    """sigma'(x) = alpha s (1 - s), s = 1 / (1 + exp(-alpha x)). Default alpha = 4."""

    name = "sigmoid"

    def __init__(self, alpha=4.0):
        self.alpha = float(alpha)

    def derivative(self, x):
        s = torch.sigmoid(x * self.alpha)
        return (1.0 - s) * s * self.alpha


class AtanSurrogate(Surrogate):
    """sigma'(x) = (alpha/2) / (1 + (pi/2 alpha x)^2). Default alpha = 2."""

    name = "atan"

    def __init__(self, alpha=2.0):
        self.alpha = float(alpha)

    def derivative(self, x):
        z = x * (math.pi / 2 * self.alpha)
        return 1.0 / (z * z + 1.0) * (self.alpha / 2)


SURROGATES = {
    "tanh": TanhSurrogate,
    "rectangular": RectangularSurrogate,
    "triangle": TriangleSurrogate,
    "sigmoid": SigmoidSurrogate,
    "atan": AtanSurrogate,
}


def surrogate_from_spec(spec):
    """A surrogate from ``{"name": ..., "parameters": {...}}`` (or a bare name: default parameters)."""
    if spec is None:
        return TanhSurrogate()
    if isinstance(spec, str):
        spec = {"name": spec}
    name = spec.get("name", "tanh")
    if name not in SURROGATES:
        raise ValueError("unknown surrogate %r (known: %s)" % (name, ", ".join(SURROGATES)))
    return SURROGATES[name](**(spec.get("parameters") or {}))


# --------------------------------------------------------------------------------------------------------------------
# InfLoR-SNN's membrane potential rectifier
# --------------------------------------------------------------------------------------------------------------------

class InflorRectifier:
    """phi(u) = 1 - (1 - u)^(1/3) for u < 0; (tanh(k (u - c)) + tanh(k c)) / (tanh(k (1 - c)) + tanh(k c)) for
    0 <= u <= 1; u^(1/3) for u > 1. Defaults k = 3 (sharpness), c = 1/2 (centre). Each branch sees its input clamped
    to its own range."""

    def __init__(self, sharpness=3.0, centre=0.5):
        self.sharpness, self.centre = float(sharpness), float(centre)
        if not (self.sharpness > 0 and math.isfinite(self.sharpness)):
            raise ValueError("rectifier sharpness must be a finite number > 0, got %r" % sharpness)
        if not (0 < self.centre < 1):
            raise ValueError("rectifier centre must be in (0, 1), got %r" % centre)
        self.offset = math.tanh(self.sharpness * self.centre)
        self.span = math.tanh(self.sharpness * (1 - self.centre)) + self.offset

    def __call__(self, u):
        low = 1 - (1 - u.clamp_max(0)) ** (1.0 / 3)
        high = u.clamp_min(1) ** (1.0 / 3)
        mid = (torch.tanh((u.clamp(0, 1) - self.centre) * self.sharpness) + self.offset) / self.span
        return torch.where(u < 0, low, torch.where(u > 1, high, mid))


# --------------------------------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------------------------------

class TimeDistributed(nn.Module):
    """Applies a stateless module to every timestep at once: [T, B, ...] -> [T*B, ...] -> inner -> [T, B, ...]."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        t, b = x.shape[0], x.shape[1]
        y = self.inner(x.flatten(0, 1))
        return y.view((t, b) + tuple(y.shape[1:]))


class ThresholdDependentBatchNorm(nn.Module):
    """tdBN (Zheng et al., AAAI 2021) on [T, B, C, ...]:
    y = (scale * lambda) * (x - E[x]) / sqrt(Var[x] + eps) + beta, statistics per channel over T*B and space,
    scale = alpha * V_th (1 for plain BN). Parameters ``weight`` (lambda), ``bias`` (beta); buffers ``running_mean``,
    ``running_var`` (momentum 0.1); no ``num_batches_tracked``."""

    def __init__(self, channels, scale=0.5, eps=1e-5, momentum=0.1):
        super().__init__()
        self.channels, self.scale, self.eps, self.momentum = int(channels), float(scale), float(eps), float(momentum)
        self.weight = nn.Parameter(torch.ones(self.channels))
        self.bias = nn.Parameter(torch.zeros(self.channels))
        self.register_buffer("running_mean", torch.zeros(self.channels))
        self.register_buffer("running_var", torch.ones(self.channels))

    def forward(self, x):
        if x.dim() < 3 or x.shape[2] != self.channels:
            raise ValueError("tdbn: input must be [T, B, %d, ...], got %s" % (self.channels, list(x.shape)))
        w = self.weight if self.scale == 1.0 else self.weight * self.scale
        y = F.batch_norm(x.flatten(0, 1), self.running_mean, self.running_var, w, self.bias, self.training,
                         self.momentum, self.eps)
        return y.view(x.shape)

    def extra_repr(self):
        return "%d, scale=%g" % (self.channels, self.scale)


class StaticNorm(nn.Module):
    """A time norm applied to a static [B, ...] tensor as T = 1 (the stem's norm); attribute ``norm``."""

    def __init__(self, norm):
        super().__init__()
        self.norm = norm

    def forward(self, x):
        return self.norm(x.unsqueeze(0)).squeeze(0)


class LifNeuron(nn.Module):
    """Multi-step LIF on [T, B, ...] (see the module docstring for the formulas). tau = 1 gives IF. No state is kept
    between calls. After a forward pass, ``last_potential`` holds phi(u_pre) [T, B, ...] (the potential compared with
    V_th), for RMP-Loss-style regularizers."""

    def __init__(self, tau=0.25, threshold=0.5, reset="hard", detach_reset=False, surrogate=None, rectifier=None):
        super().__init__()
        if not (0 < tau <= 1):
            raise ValueError("tau must be in (0, 1], got %r" % tau)
        if not threshold > 0:
            raise ValueError("threshold must be > 0, got %r" % threshold)
        if reset not in ("hard", "soft"):
            raise ValueError("reset must be hard or soft, got %r" % reset)
        self.tau, self.threshold, self.reset = float(tau), float(threshold), reset
        self.detach_reset = bool(detach_reset)
        self.surrogate = surrogate if surrogate is not None else TanhSurrogate()
        self.rectifier = rectifier
        self.last_potential = None

    def fire(self, pre):
        """The potential compared with V_th for a raw pre-firing potential [B, ...]."""
        return self.rectifier(pre) if self.rectifier is not None else pre

    def forward(self, x):
        steps = x.shape[0]
        u = None
        spikes, potentials = [], []
        for t in range(steps):
            pre = x[t] if u is None else u * self.tau + x[t]
            v = self.fire(pre)
            potentials.append(v)
            s = self.surrogate.spike(v - self.threshold)
            spikes.append(s)
            if t == steps - 1:
                break
            r = s.detach() if self.detach_reset else s
            u = pre * (1.0 - r) if self.reset == "hard" else pre - r * self.threshold
        self.last_potential = torch.stack(potentials)
        return torch.stack(spikes)

    def extra_repr(self):
        return "tau=%g, threshold=%g, reset=%s, surrogate=%r%s" % (
            self.tau, self.threshold, self.reset, self.surrogate, ", rectifier" if self.rectifier is not None else "")


class MpbnNeuron(LifNeuron):
    """LIF (or IF) with membrane potential BN (Guo et al., ICCV 2023): ``bn`` (a BatchNorm1d over the C channels of
    dimension 2 of [T, B, C, ...]) normalizes u_pre[t] before firing. Training: batch statistics of each timestep
    (running statistics updated T times per forward). Eval: u~ = u_pre * a + b, a = gamma / sqrt(var + eps),
    b = beta - mean * a. The raw u_pre is reset."""

    def __init__(self, channels, eps=1e-5, momentum=0.1, **neuron):
        super().__init__(**neuron)
        self.bn = nn.BatchNorm1d(int(channels), eps=eps, momentum=momentum)

    def fire(self, pre):
        bn = self.bn
        if self.training:
            v = F.batch_norm(pre, bn.running_mean, bn.running_var, bn.weight, bn.bias, True, bn.momentum, bn.eps)
        else:
            with torch.no_grad():
                a = bn.weight.detach() / (bn.running_var + bn.eps).sqrt()
                b = bn.bias.detach() - bn.running_mean * a
            shape = [1] * pre.dim()
            shape[1] = -1
            v = pre * a.view(shape) + b.view(shape)
        return super().fire(v)


# --------------------------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------------------------

class Options:
    """The model options of a spec (see ``build``)."""

    def __init__(self, spec):
        g = spec.get
        self.timesteps = int(g("timeSteps", 4))
        self.neuron = g("neuron", "lif")
        if self.neuron not in ("lif", "if"):
            raise ValueError("neuron must be lif or if, got %r" % self.neuron)
        self.tau = float(g("tau", 0.25))
        self.threshold = float(g("threshold", 0.5))
        self.reset = g("reset", "hard")
        self.detach_reset = bool(g("detachReset", False))
        self.surrogate = g("surrogate")
        self.norm = g("norm", "tdbn")
        if self.norm not in ("tdbn", "bn"):
            raise ValueError("norm must be tdbn or bn, got %r" % self.norm)
        self.mpbn = bool(g("mpbn", False))
        self.rectifier = g("rectifier")
        self.in_channels = int(g("inputChannels", 1))
        self.input_size = int(g("inputSize", 28))
        self.classes = int(g("classes", 10))
        self.width = float(g("width", 1.0))
        if self.timesteps < 1:
            raise ValueError("timesteps must be >= 1, got %r" % self.timesteps)

    def scale(self, channels):
        """Channels scaled by the width, at least 1 (round half to even, as .NET's Math.Round)."""
        return max(1, int(round(channels * self.width)))

    def neuron_module(self, channels):
        kw = dict(tau=1.0 if self.neuron == "if" else self.tau, threshold=self.threshold, reset=self.reset,
                  detach_reset=self.detach_reset, surrogate=surrogate_from_spec(self.surrogate),
                  rectifier=InflorRectifier(**self.rectifier) if self.rectifier else None)
        return MpbnNeuron(channels, **kw) if self.mpbn else LifNeuron(**kw)

    def time_norm(self, channels):
        return ThresholdDependentBatchNorm(channels, scale=self.threshold if self.norm == "tdbn" else 1.0)

    def stem_norm(self, channels):
        return StaticNorm(self.time_norm(channels))


def _conv3x3(in_c, out_c, stride=1):
    return nn.Conv2d(in_c, out_c, 3, stride=stride, padding=1, bias=False)


class SpikingNetwork(nn.Module):
    """Base: ``stem`` on the static [B, C, H, W] input, repeated over T, then ``body`` on [T, B, ...] -> [T, B, K]."""

    def __init__(self, timesteps):
        super().__init__()
        self.timesteps = timesteps

    def forward(self, x):
        """[B, C, H, W] (a static image: the stem runs once and is repeated over T) or [T, B, C, H, W] (time-varying
        input such as event frames: the stem runs on the T*B frames) -> [T, B, K]."""
        if x.dim() == 5:
            if x.shape[0] != self.timesteps:
                raise ValueError("input has %d timesteps, the network %d" % (x.shape[0], self.timesteps))
            t, b = x.shape[0], x.shape[1]
            s = self.stem(x.reshape((t * b,) + tuple(x.shape[2:])))
            return self.body(s.view((t, b) + tuple(s.shape[1:])))
        s = self.stem(x)
        return self.body(s.unsqueeze(0).expand((self.timesteps,) + tuple(s.shape)))

    def neurons(self):
        """The spiking layers with their module paths."""
        return [(n, m) for n, m in self.named_modules() if isinstance(m, LifNeuron)]


class SpikingCnn(SpikingNetwork):
    """conv3x3 (C->32) . norm . LIF . avgpool 2 . conv3x3 (32->64) . norm . LIF . avgpool 2 . flatten . linear (K)."""

    def __init__(self, o):
        super().__init__(o.timesteps)
        c1, c2, side = o.scale(32), o.scale(64), o.input_size // 2 // 2  # each pooling floors an odd side (34 -> 17 -> 8)
        self.conv1 = _conv3x3(o.in_channels, c1)
        self.norm1 = o.stem_norm(c1)
        self.lif1 = o.neuron_module(c1)
        self.conv2 = TimeDistributed(_conv3x3(c1, c2))
        self.norm2 = o.time_norm(c2)
        self.lif2 = o.neuron_module(c2)
        self.pool = TimeDistributed(nn.AvgPool2d(2))
        self.classifier = TimeDistributed(nn.Sequential(nn.Flatten(), nn.Linear(c2 * side * side, o.classes)))

    def stem(self, x):
        return self.norm1(self.conv1(x))

    def body(self, x):
        x = self.pool(self.lif1(x))
        x = self.pool(self.lif2(self.norm2(self.conv2(x))))
        return self.classifier(x)


class SpikingResidualBlock(nn.Module):
    """y = LIF(norm(conv3x3(LIF(norm(conv3x3(x))))) + shortcut(x)); shortcut = identity or conv1x1 + norm."""

    def __init__(self, o, in_c, out_c, stride):
        super().__init__()
        self.conv1 = TimeDistributed(_conv3x3(in_c, out_c, stride))
        self.norm1 = o.time_norm(out_c)
        self.lif1 = o.neuron_module(out_c)
        self.conv2 = TimeDistributed(_conv3x3(out_c, out_c))
        self.norm2 = o.time_norm(out_c)
        self.shortcut = None
        if stride != 1 or in_c != out_c:
            self.shortcut = nn.Sequential(collections.OrderedDict([
                ("conv", TimeDistributed(nn.Conv2d(in_c, out_c, 1, stride=stride, bias=False))),
                ("norm", o.time_norm(out_c))]))
        self.lif2 = o.neuron_module(out_c)

    def forward(self, x):
        y = self.norm2(self.conv2(self.lif1(self.norm1(self.conv1(x)))))
        return self.lif2(y + (x if self.shortcut is None else self.shortcut(x)))


_RESNETS = {
    # name: (stem channels, [(channels, blocks, stride)], hidden fc, ImageNet stem)
    "resnet19": (128, [(128, 3, 1), (256, 3, 2), (512, 2, 2)], 256, False),
    "resnet20": (16, [(16, 3, 1), (32, 3, 2), (64, 3, 2)], None, False),
    "resnet18": (64, [(64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 2, 2)], None, True),
    "resnet34": (64, [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], None, True),
}


class SpikingResNet(SpikingNetwork):
    """Spiking ResNet-18/19/20/34 as in SpikeKit (ResNet-18/34: 7x7 stride-2 stem and 3x3 max-pool after the stem's LIF)."""

    def __init__(self, name, o):
        super().__init__(o.timesteps)
        stem_c, plan, hidden, imagenet = _RESNETS[name]
        c0 = o.scale(stem_c)
        self.conv = (nn.Conv2d(o.in_channels, c0, 7, stride=2, padding=3, bias=False) if imagenet
                     else _conv3x3(o.in_channels, c0))
        self.norm = o.stem_norm(c0)
        self.lif = o.neuron_module(c0)
        self.maxPool = TimeDistributed(nn.MaxPool2d(3, stride=2, padding=1)) if imagenet else None
        blocks, in_c = [], c0
        for s, (channels, count, stride) in enumerate(plan):
            out_c = o.scale(channels)
            for b in range(count):
                blocks.append(("stage%d_%d" % (s + 1, b), SpikingResidualBlock(o, in_c, out_c, stride if b == 0 else 1)))
                in_c = out_c
        self.stages = nn.Sequential(collections.OrderedDict(blocks))
        pool = TimeDistributed(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()))
        if hidden is not None:
            hc = o.scale(hidden)
            self.head = nn.Sequential(collections.OrderedDict([
                ("pool", pool), ("fc1", TimeDistributed(nn.Linear(in_c, hc))), ("lif", o.neuron_module(hc)),
                ("fc2", TimeDistributed(nn.Linear(hc, o.classes)))]))
        else:
            self.head = nn.Sequential(collections.OrderedDict([
                ("pool", pool), ("fc", TimeDistributed(nn.Linear(in_c, o.classes)))]))

    def stem(self, x):
        return self.norm(self.conv(x))

    def body(self, x):
        x = self.lif(x)
        if self.maxPool is not None:
            x = self.maxPool(x)
        return self.head(self.stages(x))


_VGGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


class SpikingVgg(SpikingNetwork):
    """Spiking VGG-11/16: conv . norm . LIF units, 2x2 average pooling (skipped once the map is 1x1), global average
    pooling, one linear classifier."""

    def __init__(self, name, o):
        super().__init__(o.timesteps)
        cfg = _VGGS[name]
        c0 = o.scale(cfg[0])
        self.conv = _conv3x3(o.in_channels, c0)
        self.norm = o.stem_norm(c0)
        layers = [("lif0", o.neuron_module(c0))]
        in_c, side = c0, o.input_size
        for i, v in enumerate(cfg[1:], start=1):
            if v == "M":
                if side >= 2:
                    layers.append(("pool%d" % i, TimeDistributed(nn.AvgPool2d(2))))
                    side //= 2
                continue
            out_c = o.scale(v)
            layers += [("conv%d" % i, TimeDistributed(_conv3x3(in_c, out_c))), ("norm%d" % i, o.time_norm(out_c)),
                       ("lif%d" % i, o.neuron_module(out_c))]
            in_c = out_c
        self.features = nn.Sequential(collections.OrderedDict(layers))
        self.head = TimeDistributed(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_c, o.classes)))

    def stem(self, x):
        return self.norm(self.conv(x))

    def body(self, x):
        return self.head(self.features(x))


def build(spec):
    """An untrained model (train mode) from a spec dict: ``model`` (one of MODELS) and the options ``timeSteps``,
    ``neuron`` (lif | if), ``tau``, ``threshold``, ``reset`` (hard | soft), ``detachReset``, ``surrogate``
    ({"name", "parameters"}), ``norm`` (tdbn | bn), ``mpbn``, ``rectifier`` (null or {"sharpness", "centre"}),
    ``inputChannels``, ``inputSize``, ``classes``, ``width``."""
    fmt = spec.get("format", FORMAT)
    if fmt != FORMAT:
        raise ValueError("spec format %r is not %r (a newer SpikeKit wrote it?)" % (fmt, FORMAT))
    name = spec.get("model")
    o = Options(spec)
    if name == "cnn":
        return SpikingCnn(o)
    if name in _RESNETS:
        return SpikingResNet(name, o)
    if name in _VGGS:
        return SpikingVgg(name, o)
    raise ValueError("unknown model %r (known: %s)" % (name, ", ".join(MODELS)))


_SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
    "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


def read_safetensors(path):
    """The tensors of a .safetensors file (8-byte little-endian header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = bytearray(data[8 + n:])
    out = collections.OrderedDict()
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = _SAFETENSORS_DTYPES[entry["dtype"]]
        shape = entry["shape"]
        if end == begin:
            out[key] = torch.zeros(shape, dtype=dtype)
        else:
            count = (end - begin) // torch.empty((), dtype=dtype).element_size()
            out[key] = torch.frombuffer(body, dtype=dtype, count=count, offset=begin).reshape(shape).clone()
    return out


def read_state_dict(path):
    """The state dict in ``path``: safetensors for a ``.safetensors`` file, else ``torch.load``."""
    if str(path).endswith(".safetensors"):
        return read_safetensors(path)
    return torch.load(path, map_location="cpu")


def load(path, spec_path=None):
    """The model stored at ``path`` (``.pt`` or ``.safetensors``) with its spec ``spec_path`` (default
    ``path + ".json"``), weights loaded strictly, in eval mode."""
    spec_path = spec_path or str(path) + SPEC_SUFFIX
    with open(spec_path, "r", encoding="utf-8") as f:
        spec = json.load(f)
    model = build(spec)
    model.load_state_dict(read_state_dict(path), strict=True)
    return model.eval()
