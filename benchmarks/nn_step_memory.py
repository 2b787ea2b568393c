#!/usr/bin/python3
"""nn_step_memory.py - peak heap of one training step: hamgen (bench_nn_step) against the PyTorch peer.

Both sides run under LD_PRELOAD=libhamgen_heap_peak.so (benchmarks/heap_peak.cpp), which counts the
bytes every malloc-family call hands out. For each model of ../shared/bench/nn_step_torch.py the
counter is reset once the model and its input exist and read after the training steps
(forward + backward, loss = sum(y^2), gradients of every parameter and of the input, no optimiser
step): the most bytes the steps held at once above the model and the input.
The torch side imports the peer script for its model builders and inputs (nothing is copied from it);
the hamgen side reads the step_heap_bytes counter of bench_nn_step. Prints a markdown table.

Usage (from the repository root, after building build/bench):
  benchmarks/nn_step_memory.py [--build build/bench] [--threads 1] [--bench mlp_bn,dcgan_disc,...]
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "nn_step_torch.py"))


def torch_child(args):
    """Runs inside the preloaded python: measures every wanted case, one JSON line each."""
    sys.argv = [PEER, "--threads", str(args.threads)]
    import importlib.util
    spec = importlib.util.spec_from_file_location("nn_step_torch", PEER)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)  # parses our argv; main() is not run
    import gc
    import numpy as np
    import torch
    lib = ctypes.CDLL("libhamgen_heap_peak.so")
    lib.heap_peak_get.restype = ctypes.c_longlong
    wanted = args.bench.split(",")
    for i, (name, size, batch, build, shape, _heavy) in enumerate(peer.CASES):
        if name not in wanted:
            continue
        torch.manual_seed(0)
        model = build().float().train()
        rng = np.random.default_rng([peer.SEED, i])
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32)).requires_grad_(True)
        params = list(model.parameters())
        gc.collect()
        lib.heap_peak_reset()
        for _ in range(3):
            for prm in params:
                prm.grad = None
            x.grad = None
            model(x).pow(2).sum().backward()
        print(json.dumps({"bench": name, "size": size, "batch": batch, "bytes": lib.heap_peak_get()}), flush=True)
        del model, x, params


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", default="mlp_bn,dcgan_gen,dcgan_disc,video_disc,lstm,halo_conv")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        torch_child(args)
        return
    lib = os.path.abspath(os.path.join(args.build, "benchmarks", "libhamgen_heap_peak.so"))
    binary = os.path.join(args.build, "benchmarks", "bench_nn_step")
    for f in (lib, binary):
        if not os.path.exists(f):
            sys.exit("nn_step_memory.py: %s is missing (cmake --build %s --target bench_nn_step "
                     "hamgen_heap_peak)" % (f, args.build))
    env = dict(os.environ, LD_PRELOAD=lib, HAMGEN_NUM_THREADS=str(args.threads),
               OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    env.setdefault("OPENBLAS_CORETYPE", "Haswell")
    wanted = args.bench.split(",")
    flt = "|".join("^%s\\|" % b for b in wanted)
    out = subprocess.run([binary, "--benchmark_format=json", "--benchmark_min_time=0.01",
                          "--benchmark_filter=" + flt], env=env, check=True, capture_output=True, text=True)
    ours = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        keys = dict(kv.split("=", 1) for kv in b["name"].split("/")[0].split("|")[1:])
        ours[(b["name"].split("|")[0], int(keys["size"]), int(keys["batch"]))] = b["step_heap_bytes"]
    peer = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--threads", str(args.threads),
                           "--bench", args.bench], env=env, check=True, capture_output=True, text=True)
    print("| bench | size | batch | hamgen MiB | torch MiB | ratio |")
    print("|---|---|---|---|---|---|")
    for line in peer.stdout.splitlines():
        r = json.loads(line)
        key = (r["bench"], r["size"], r["batch"])
        if key not in ours:
            continue
        h, t = ours[key] / 2**20, r["bytes"] / 2**20
        print("| %s | %d | %d | %.1f | %.1f | %.2f |" % (key[0], key[1], key[2], h, t, h / t if t else float("nan")))


if __name__ == "__main__":
    main()
