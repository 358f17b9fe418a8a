#!/usr/bin/python3
"""Checks that the three PyTorch peers of bench_peer.py compute SpikeKit's maths where their designs allow.

    /usr/bin/python3 tests/reference/check_peers.py [--spikekit FILE] [--t 4] [--batch 8] [--json]

For the reference CNN and the slim ResNet-20, with the same weights and input in every design:
  * spikingjelly vs naive, training mode (BN over T*B), CE + 0.5*RMP: outputs, loss and every parameter gradient;
  * snntorch vs naive with the reset detached (snnTorch always detaches it), BN in eval mode (running statistics,
    since snnTorch's per-step BN takes other statistics): outputs, loss and gradients;
  * snntorch vs naive in training mode: the size of the difference that per-step BN statistics make (not an error);
  * inference (eval mode, no grad; spikingjelly through its TorchScript eval loop): outputs of all three.
With --spikekit FILE (written by `SpikeKit.Benchmarks compare`, which computes it with SpikeKit's own SpikingCnn /
SpikingResNet, fused LIF, in training and eval mode) the weights and input come from SpikeKit and every design is also
compared with SpikeKit's outputs, loss and gradients (snntorch: eval outputs only).
Each line gives the largest absolute difference and whether it is within 1e-5 (gradients: relative to the largest
gradient of the network). --json prints one JSON object instead (for the harness).
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_nets as P  # noqa: E402

TOL = 1e-5
LAM = 0.5


def copy_weights(dst, src_params):
    params = list(dst.parameters())
    assert len(params) == len(src_params), f"{len(params)} parameters vs {len(src_params)}"
    with torch.no_grad():
        for p, v in zip(params, src_params):
            assert tuple(p.shape) == tuple(v.shape), f"shape {tuple(p.shape)} vs {tuple(v.shape)}"
            p.copy_(v)


def run(model, x, y, train=True, bn_eval=False, grads=True):
    """Output [T, B, K], loss CE + LAM*RMP and parameter gradients (training mode), or eval-mode outputs."""
    model.train(train)
    if bn_eval:
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
    for p in model.parameters():
        p.grad = None
    if not grads:
        with torch.no_grad():
            out = model(x)
        model.after_step()
        return out, None, None
    out = model(x)
    loss = F.cross_entropy(out.mean(0), y) + LAM * model.rmp()
    loss.backward()
    model.after_step()
    return out.detach(), loss.item(), [p.grad.clone() for p in model.parameters()]


def diff(a, b):
    return float((a - b).abs().max())


def grad_diff(ga, gb):
    """Largest |ga - gb| over all parameters, relative to the largest |gb| over all parameters."""
    scale = max(float(b.abs().max()) for b in gb)
    return max(float((a - b).abs().max()) for a, b in zip(ga, gb)) / max(scale, 1e-12)


def case(results, name, out_a, out_b, loss_a=None, loss_b=None, g_a=None, g_b=None, expect_equal=True):
    r = {"case": name, "output": diff(out_a, out_b)}
    if loss_a is not None:
        r["loss"] = abs(loss_a - loss_b)
    if g_a is not None:
        r["grad_rel"] = grad_diff(g_a, g_b)
    r["expect_equal"] = expect_equal
    r["ok"] = all(v <= TOL for k, v in r.items() if k in ("output", "loss", "grad_rel")) if expect_equal else None
    results.append(r)


def check_net(net, steps, batch, spikekit=None):
    results = []
    torch.manual_seed(0)
    if spikekit is not None:
        src = [torch.tensor(p["values"], dtype=torch.float32).reshape(p["shape"]) for p in spikekit["params"]]
        x = torch.tensor(spikekit["input"]["values"], dtype=torch.float32).reshape(spikekit["input"]["shape"])
        y = torch.tensor(spikekit["labels"], dtype=torch.long)
        steps = spikekit["t"]
    else:
        src = [p.detach().clone() for p in P.build("naive", net, steps).parameters()]
        x = torch.randn(P.input_shape(net, batch))
        y = torch.randint(0, 10, (x.shape[0],))

    def make(design, **naive):
        m = P.build(design, net, steps, record=True, naive=P.NaiveOptions(**naive) if naive else None)
        copy_weights(m, src)
        return m

    naive_out, naive_loss, naive_g = run(make("naive"), x, y)
    sj_out, sj_loss, sj_g = run(make("spikingjelly"), x, y)
    case(results, "spikingjelly vs naive, training", sj_out, naive_out, sj_loss, naive_loss, sj_g, naive_g)
    nd_out, nd_loss, nd_g = run(make("naive", detach_reset=True), x, y, bn_eval=True)
    sn_out, sn_loss, sn_g = run(make("snntorch"), x, y, bn_eval=True)
    case(results, "snntorch vs naive (detached reset), BN in eval mode", sn_out, nd_out, sn_loss, nd_loss, sn_g, nd_g)
    snt_out, snt_loss, _ = run(make("snntorch"), x, y)
    case(results, "snntorch vs naive, training (per-step BN statistics)", snt_out, naive_out, snt_loss, naive_loss,
         expect_equal=False)
    evals = {d: run(make(d), x, y, train=False, grads=False)[0] for d in P.DESIGNS}
    for d in ("snntorch", "spikingjelly"):
        case(results, f"{d} vs naive, inference", evals[d], evals["naive"])
    if spikekit is not None:
        sk_out = torch.tensor(spikekit["output"]["values"]).reshape(spikekit["output"]["shape"])
        sk_eval = torch.tensor(spikekit["eval_output"]["values"]).reshape(spikekit["eval_output"]["shape"])
        sk_g = [torch.tensor(g["values"]).reshape(g["shape"]) for g in spikekit["grads"]]
        sk_loss = spikekit["loss"]
        case(results, "naive vs SpikeKit, training", naive_out, sk_out, naive_loss, sk_loss, naive_g, sk_g)
        case(results, "spikingjelly vs SpikeKit, training", sj_out, sk_out, sj_loss, sk_loss, sj_g, sk_g)
        for d in P.DESIGNS:
            case(results, f"{d} vs SpikeKit, inference", evals[d], sk_eval)
    rates = float((naive_out != 0).float().mean())
    return {"net": net, "t": steps, "batch": int(x.shape[0]), "cases": results, "nonzero_outputs": rates}


def main(argv):
    args = dict(zip(argv[::2], argv[1::2])) if "--json" not in argv else dict(zip([a for a in argv if a != "--json"][::2],
                                                                                   [a for a in argv if a != "--json"][1::2]))
    torch.set_num_threads(1)
    steps, batch = int(args.get("--t", 4)), int(args.get("--batch", 8))
    reports = []
    if "--spikekit" in args:
        with open(args["--spikekit"]) as f:
            data = json.load(f)
        for entry in data["nets"]:
            reports.append(check_net(entry["net"], steps, batch, entry))
    else:
        for net in ("cnn", "resnet20"):
            reports.append(check_net(net, steps, batch))
    if "--json" in argv:
        print(json.dumps({"tolerance": TOL, "torch": torch.__version__, "reports": reports}))
        return 0
    bad = 0
    for rep in reports:
        print(f"{rep['net']} (T = {rep['t']}, batch {rep['batch']}, CE + {LAM}*RMP):")
        for r in rep["cases"]:
            parts = [f"{k} {r[k]:.2e}" for k in ("output", "loss", "grad_rel") if k in r]
            verdict = "" if r["ok"] is None else ("  <= 1e-5: yes" if r["ok"] else "  <= 1e-5: NO")
            bad += r["ok"] is False
            print(f"  {r['case']:58s} max |diff|: {', '.join(parts)}{verdict}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
