#!/usr/bin/env python3
"""PyTorch (CPU) reference for `flowlab bench`: the same workload, measured the same way.

What it measures, with the default network "3x128 silu" (float32, default nn.Linear init):
  input = [x (2-D), t, sin(pi t), cos(pi t), ..., sin(4 pi t), cos(4 pi t)] -> 11 features,
  Linear(11,128) SiLU Linear(128,128) SiLU Linear(128,128) SiLU Linear(128,2).

* Training steps/s at batch 256, 512 and 1024. One step builds the batch in torch
  (x0 from the "two-far" mixture: weights 0.5/0.5, means (-4,0) and (4,0), std 0.4 per axis;
  z ~ N(0, I); t ~ U(0,1); x_t = t z + (1-t) x0; target z - x0), computes the MSE loss,
  zero_grad(set_to_none=True), backward, AdamW(lr 5e-3, betas (0.9, 0.999), eps 1e-8,
  weight decay 0) step, and an EMA of the weights (decay 0.999). 10 warm-up steps, then
  300 timed steps (50 with --quick).
* Sampling: 10,000 points x 100 Euler steps (20 with --quick) under inference_mode, from
  t = 1 down to 0: x <- x - dt * net([x, time_features(t)]).
* The step slider: 1,000 points x 20 Euler steps, best of 5 runs.

Run it (from the repository root):
  python3 scripts/bench_pytorch.py                 # full run, 2 threads
  python3 scripts/bench_pytorch.py --quick         # shorter run
  python3 scripts/bench_pytorch.py --threads 1
  python3 scripts/bench_pytorch.py --flowlab target/release/flowlab
With --flowlab, the script also runs `PATH bench` (with --quick if given) and prints a
markdown table flowlab | PyTorch | ratio (flowlab / PyTorch, > 1 means flowlab is faster
for steps/s; for times the ratio is PyTorch time / flowlab time, so > 1 still means
flowlab is faster).

Needs only the standard library and torch (`pip install torch`).
"""

import argparse
import math
import platform
import re
import subprocess
import sys
import time

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:
    print(
        "error: PyTorch is not installed; install it with `pip install torch`",
        file=sys.stderr,
    )
    sys.exit(2)

LABEL = "3x128 silu"
DIM = 2
WIDTH = 128
FREQUENCIES = 4
BATCHES = (256, 512, 1024)
WARMUP_STEPS = 10

# "two-far": two components of weight 0.5, means (-4, 0) and (4, 0), std 0.4 per axis.
MIX_MEANS = ((-4.0, 0.0), (4.0, 0.0))
MIX_STD = 0.4


def cpu_model():
    """The CPU model name from /proc/cpuinfo, or platform.processor() as a fallback."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def time_features(t):
    """[t, sin(k pi t), cos(k pi t) for k = 1..4] for a column t of shape (n, 1): (n, 9)."""
    k = torch.arange(1, FREQUENCIES + 1, dtype=t.dtype, device=t.device)
    a = math.pi * t * k  # (n, 4)
    sc = torch.stack((torch.sin(a), torch.cos(a)), dim=2).reshape(t.shape[0], 2 * FREQUENCIES)
    return torch.cat((t, sc), dim=1)


def make_net():
    """The 3x128 SiLU MLP with default nn.Linear init, float32."""
    inputs = DIM + 1 + 2 * FREQUENCIES
    return nn.Sequential(
        nn.Linear(inputs, WIDTH),
        nn.SiLU(),
        nn.Linear(WIDTH, WIDTH),
        nn.SiLU(),
        nn.Linear(WIDTH, WIDTH),
        nn.SiLU(),
        nn.Linear(WIDTH, DIM),
    )


def sample_two_far(n, means, generator=None):
    """n points of the two-far mixture: a fair component pick, then mean + 0.4 * N(0, I)."""
    comp = torch.randint(0, means.shape[0], (n,), generator=generator)
    return means[comp] + MIX_STD * torch.randn(n, DIM, generator=generator)


def train_step(net, ema_params, params, opt, means, batch, lr=None):
    """One conditional flow matching step: batch, MSE loss, backward, AdamW, EMA."""
    x0 = sample_two_far(batch, means)
    z = torch.randn(batch, DIM)
    t = torch.rand(batch, 1)
    xt = t * z + (1.0 - t) * x0
    target = z - x0
    inp = torch.cat((xt, time_features(t)), dim=1)
    loss = F.mse_loss(net(inp), target)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if lr is not None:
        for group in opt.param_groups:
            group["lr"] = lr
    opt.step()
    with torch.no_grad():
        torch._foreach_lerp_(ema_params, params, 1.0 - 0.999)
    return loss


def bench_train(batch, steps, seed=0):
    """Training steps/s at `batch`: 10 warm-up steps, then `steps` timed steps."""
    torch.manual_seed(seed)
    net = make_net()
    params = list(net.parameters())
    ema_params = [p.detach().clone() for p in params]
    opt = torch.optim.AdamW(
        params, lr=5e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
    )
    means = torch.tensor(MIX_MEANS, dtype=torch.float32)
    base_lr = 5e-3

    def cosine(i, total):
        """Cosine learning rate from base_lr down to 0 over `total` steps."""
        return 0.5 * base_lr * (1.0 + math.cos(math.pi * i / total))

    for i in range(WARMUP_STEPS):
        train_step(net, ema_params, params, opt, means, batch, cosine(i, WARMUP_STEPS))
    start = time.perf_counter()
    for i in range(steps):
        loss = train_step(net, ema_params, params, opt, means, batch, cosine(i, steps))
    loss.item()  # make sure the last step is done
    return steps / (time.perf_counter() - start)


def integrate_euler(net, z, steps):
    """Euler from t = 1 to 0: x <- x - dt * net([x, time_features(t)])."""
    x = z
    n = z.shape[0]
    dt = 1.0 / steps
    with torch.inference_mode():
        for i in range(steps):
            t = torch.full((n, 1), 1.0 - i / steps)
            inp = torch.cat((x, time_features(t)), dim=1)
            x = x - dt * net(inp)
    return x


def bench_sample(points, steps, repeats=1, seed=1):
    """Seconds to integrate `points` noise points over `steps` Euler steps, best of `repeats`."""
    torch.manual_seed(seed)
    net = make_net()
    net.eval()
    best = float("inf")
    for _ in range(repeats):
        z = torch.randn(points, DIM)
        start = time.perf_counter()
        integrate_euler(net, z, steps)
        best = min(best, time.perf_counter() - start)
    return best


def run_pytorch(quick):
    """Runs the PyTorch cases, prints one line each; returns {case: value}."""
    results = {}
    train_steps = 50 if quick else 300
    for batch in BATCHES:
        per_sec = bench_train(batch, train_steps)
        case = f"train {LABEL} batch={batch}"
        print(f"pytorch {case}: {per_sec:.1f} steps/s", flush=True)
        results[case] = (per_sec, "steps/s")

    sample_steps = 20 if quick else 100
    secs = bench_sample(10_000, sample_steps)
    case = f"sample {LABEL} 10000 points x {sample_steps} Euler steps"
    print(f"pytorch {case}: {secs:.2f} s", flush=True)
    results[case] = (secs, "s")

    secs = bench_sample(1000, 20, repeats=5)
    case = f"sample {LABEL} 1000 points x 20 Euler steps (step slider)"
    print(f"pytorch {case}: {secs * 1000:.1f} ms", flush=True)
    results[case] = (secs * 1000, "ms")
    return results


LINE = re.compile(r"^(?P<case>[^:]+):\s*(?P<value>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>steps/s|s|ms)\b")


def run_flowlab(path, quick):
    """Runs `path bench [--quick]`; returns {case: (value, unit)}, or None if it failed."""
    cmd = [path, "bench"] + (["--quick"] if quick else [])
    print(f"\nrunning: {' '.join(cmd)}", flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as err:
        print(f"flowlab: could not run {path}: {err}", flush=True)
        return None
    for line in proc.stdout.splitlines():
        print(f"  {line}")
    if proc.returncode != 0:
        print(f"flowlab: `{' '.join(cmd)}` failed with status {proc.returncode}", flush=True)
        if proc.stderr.strip():
            print(proc.stderr.strip(), flush=True)
        return None
    results = {}
    for line in proc.stdout.splitlines():
        m = LINE.match(line.strip())
        if m:
            results[m.group("case").strip()] = (float(m.group("value")), m.group("unit"))
    return results


# Issue 19's goal for training: at least this many times PyTorch's steps/s.
TRAIN_GOAL = 1.8


def print_table(flowlab, pytorch):
    """Markdown table, one row per case both sides have; ratio > 1 means flowlab is faster.
    Training rows carry the goal (at least TRAIN_GOAL times PyTorch's steps/s)."""
    print("\n| case | flowlab | PyTorch | ratio (>1: flowlab faster) | goal |")
    print("| --- | ---: | ---: | ---: | --- |")
    for case, (pt_value, unit) in pytorch.items():
        if case not in flowlab:
            continue
        fl_value, fl_unit = flowlab[case]
        if fl_unit != unit:
            continue
        if unit == "steps/s":
            ratio = fl_value / pt_value if pt_value else float("nan")
            fmt = "{:.1f} steps/s"
        else:
            ratio = pt_value / fl_value if fl_value else float("nan")
            fmt = "{:.2f} s" if unit == "s" else "{:.1f} ms"
        if case.startswith("train "):
            met = "met" if ratio >= TRAIN_GOAL else "not met"
            goal = f">= {TRAIN_GOAL:.1f} ({met})"
        else:
            goal = ""
        print(f"| {case} | {fmt.format(fl_value)} | {fmt.format(pt_value)} | {ratio:.2f} | {goal} |")


def main():
    """Parses the arguments, prints the header, runs the cases and the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--quick", action="store_true", help="50 training steps, 20 Euler steps")
    parser.add_argument("--flowlab", metavar="PATH", help="flowlab binary to compare against")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, CPU {cpu_model()}")
    pytorch = run_pytorch(args.quick)
    if args.flowlab:
        flowlab = run_flowlab(args.flowlab, args.quick)
        if flowlab is None:
            print("no comparison table: flowlab did not run (PyTorch figures above)")
        else:
            print_table(flowlab, pytorch)


if __name__ == "__main__":
    main()
