#!/usr/bin/python3
"""PyTorch reference for SpikeKit's TwoLayerReferenceTests.

Builds, independently of SpikeKit, the 2-spiking-layer network

    x [B=4, 1, 8, 8] repeated over T=4 (direct encoding)
    -> conv 3x3 (1->4, pad 1, no bias) -> tdBN (alpha*Vth = 0.5, affine) -> LIF1
    -> avgpool 2 -> flatten (64) -> linear 64->16 (bias) -> LIF2 -> linear 16->3 (bias)
    -> mean over T -> cross-entropy + 0.1 * RMP(LIF1, LIF2)

with LIF tau = 0.25, V_th = 0.5, hard reset u = u_pre * (1 - o) (gradient through the reset),
the group's tanh surrogate as a custom autograd function, tdBN in training mode (batch statistics over
T, B, H, W with the biased variance) and RMP = mean over layers of mean((clip(u_pre, 0, 1) - o.detach())^2).
Inputs and weights are given by formulas (no RNG), so the C# test can rebuild them exactly.

Writes the loss, its parts and the gradient of every weight to two_layer_rmp.json beside this file.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_reference.py
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)

T, B = 4, 4
TAU, VTH, ALPHA, EPS = 0.25, 0.5, 1.0, 1e-5
LAMBDA = 0.1
TARGETS = [0, 1, 2, 1]


def formula(shape, scale, phase, freq=0.37, offset=0.0):
    """value[n] = offset + scale * sin(phase + freq * n) over the row-major flat index n (computed in float64)."""
    n = 1
    for s in shape:
        n *= s
    vals = [offset + scale * math.sin(phase + freq * i) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(shape)


# The same formulas are in tests/SpikeKit.Tests/Reference/TwoLayerReferenceTests.cs.
SPECS = {
    "input":       ((B, 1, 8, 8), 0.5, 0.1, 0.23, 0.5),
    "conv1.weight": ((4, 1, 3, 3), 0.4, 0.3, 0.37, 0.0),
    "bn1.weight":  ((4,), 0.2, 0.5, 0.9, 1.0),
    "bn1.bias":    ((4,), 0.1, 0.7, 1.3, 0.0),
    "fc1.weight":  ((16, 64), 0.25, 0.2, 0.37, 0.02),
    "fc1.bias":    ((16,), 0.1, 0.9, 0.61, 0.05),
    "fc2.weight":  ((3, 16), 0.5, 1.1, 0.53, 0.0),
    "fc2.bias":    ((3,), 0.1, 1.7, 1.1, 0.0),
}


class TanhSpike(torch.autograd.Function):
    """o = H(u - Vth); backward: d/du of [tanh(3*(clamp(u,0,1)-0.5)) + tanh(1.5)] / (2*tanh(1.5)), zero outside [0, 1]."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u - VTH >= 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        inside = ((u >= 0) & (u <= 1)).to(u.dtype)
        d = 3.0 * (1 - torch.tanh(3.0 * (u - 0.5)) ** 2) / (2 * math.tanh(1.5))
        return grad * d * inside


def lif(x):
    """x: [T, B, ...] -> spikes, pre-firing potentials (both [T, B, ...])."""
    u = None
    pres, spikes = [], []
    for t in range(x.shape[0]):
        pre = x[t] if u is None else TAU * u + x[t]
        o = TanhSpike.apply(pre)
        u = pre * (1 - o)
        pres.append(pre)
        spikes.append(o)
    return torch.stack(spikes), torch.stack(pres)


def tdbn(x, weight, bias):
    """x: [T, B, C, H, W]; per-channel statistics over T, B, H, W (training mode, biased variance)."""
    mean = x.mean(dim=(0, 1, 3, 4), keepdim=True)
    var = ((x - mean) ** 2).mean(dim=(0, 1, 3, 4), keepdim=True)
    xhat = ALPHA * VTH * (x - mean) / torch.sqrt(var + EPS)
    return weight.view(1, 1, -1, 1, 1) * xhat + bias.view(1, 1, -1, 1, 1)


def main():
    p = {k: formula(*v) for k, v in SPECS.items()}
    x = p.pop("input")
    for v in p.values():
        v.requires_grad_(True)

    seq = x.unsqueeze(0).expand(T, *x.shape)                                         # [T, B, 1, 8, 8]
    c1 = torch.nn.functional.conv2d(seq.reshape(T * B, 1, 8, 8), p["conv1.weight"], padding=1).reshape(T, B, 4, 8, 8)
    n1 = tdbn(c1, p["bn1.weight"], p["bn1.bias"])
    s1, u1 = lif(n1)
    pooled = torch.nn.functional.avg_pool2d(s1.reshape(T * B, 4, 8, 8), 2).reshape(T, B, 64)
    h = torch.nn.functional.linear(pooled, p["fc1.weight"], p["fc1.bias"])          # [T, B, 16]
    s2, u2 = lif(h)
    out = torch.nn.functional.linear(s2, p["fc2.weight"], p["fc2.bias"])            # [T, B, 3]

    ce = torch.nn.functional.cross_entropy(out.mean(0), torch.tensor(TARGETS))
    rmp_layers = [((torch.clamp(u, 0, 1) - o.detach()) ** 2).mean() for u, o in ((u1, s1), (u2, s2))]
    rmp = torch.stack(rmp_layers).mean()
    loss = ce + LAMBDA * rmp
    loss.backward()

    # Guard against ties: a potential too close to V_th (spike flips) or to a kink of the surrogate / clip
    # (0 and 1) would make the reference fragile against rounding differences between LibTorch versions.
    allu = torch.cat([u1.detach().flatten(), u2.detach().flatten()])
    margin = min(float((allu - c).abs().min()) for c in (0.0, VTH, 1.0))
    assert margin > 1e-4, f"a potential lies within {margin} of 0, V_th or 1; change the formulas"

    result = {
        "description": "tests/reference/make_reference.py: conv-tdBN-LIF-pool-fc-LIF-fc, T=4, CE(mean_t) + 0.1*RMP; float32",
        "torch_version": torch.__version__,
        "loss": loss.item(),
        "ce": ce.item(),
        "rmp": rmp.item(),
        "rmp_layers": [r.item() for r in rmp_layers],
        "firing_rates": [s1.mean().item(), s2.mean().item()],
        "min_distance_to_kinks": margin,
        "grads": {k: {"shape": list(v.shape), "values": [round(g, 9) for g in v.grad.flatten().tolist()]} for k, v in p.items()},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "two_layer_rmp.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"loss {result['loss']:.6f} (ce {result['ce']:.6f}, rmp {result['rmp']:.6f}), "
          f"rates {result['firing_rates']}, margin {margin:.2e} -> {path}")


if __name__ == "__main__":
    main()
