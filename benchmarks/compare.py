#!/usr/bin/env python3
"""Join hamgen's Google Benchmark results with the PyTorch peers' JSON lines and print ratios.

    bench_expm --benchmark_format=json --benchmark_repetitions=5 > hamgen.json
    /usr/bin/python3 ../shared/bench/expm_torch.py --threads 1 > torch.jsonl
    benchmarks/compare.py hamgen.json torch.jsonl [--peer-impl torch] [--markdown]

hamgen benchmark names are "bench|impl=NAME|dtype=...|key=value|...". Each is turned into the
peers' JSON-lines form (median_s = median real time of one call, in seconds) and joined with the
peer on (bench, dtype, threads, size keys). Prints one row per joined case: ratio = hamgen / peer
(below 1: hamgen faster). Also accepts a hamgen JSON-lines file (already converted).
"""
import argparse
import json
import statistics
import sys

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_value(v):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def load_gbench(path, threads):
    data = json.load(open(path))
    runs = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"]).split("/")[0]
        if "|" not in name:
            continue
        parts = name.split("|")
        row = {"bench": parts[0]}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            row[k] = parse_value(v)
        row.setdefault("threads", threads)
        secs = b["real_time"] * UNIT[b.get("time_unit", "ns")]
        key = tuple(sorted(row.items()))
        runs.setdefault(key, []).append(secs)
    out = []
    for key, times in runs.items():
        row = dict(key)
        row["median_s"] = statistics.median(times)
        out.append(row)
    return out


def load_any(path, threads):
    with open(path) as f:
        head = f.read(1)
    if head == "{":
        try:
            return load_gbench(path, threads)
        except json.JSONDecodeError:
            pass
    return [json.loads(line) for line in open(path) if line.strip().startswith("{")]


def key_of(row):
    return tuple(sorted((k, v) for k, v in row.items() if k not in ("impl", "median_s", "reps")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ours")
    ap.add_argument("peer")
    ap.add_argument("--threads", type=int, default=1, help="thread count of the hamgen run (default 1)")
    ap.add_argument("--impl", default="hamgen", help="which of our impls to compare (default hamgen)")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    ours = [r for r in load_any(a.ours, a.threads) if r.get("impl", a.impl) == a.impl]
    peer = {key_of(r): r for r in load_any(a.peer, a.threads)}
    rows = []
    for r in ours:
        p = peer.get(key_of(r))
        if p is None:
            continue
        rows.append((r, p, r["median_s"] / p["median_s"]))
    if not rows:
        print("compare: no case matched between the two files", file=sys.stderr)
        return 1
    keys = [k for k in rows[0][0] if k not in ("impl", "median_s", "reps")]
    if a.markdown:
        print("| " + " | ".join(keys) + " | hamgen s | peer s | ratio |")
        print("|" + "---|" * (len(keys) + 3))
    for r, p, ratio in sorted(rows, key=lambda x: [str(x[0].get(k)) for k in keys]):
        vals = [str(r.get(k)) for k in keys]
        if a.markdown:
            print("| " + " | ".join(vals) + f" | {r['median_s']:.3g} | {p['median_s']:.3g} | {ratio:.3f} |")
        else:
            print(" ".join(f"{k}={v}" for k, v in zip(keys, vals)) + f"  ours={r['median_s']:.3g}s peer={p['median_s']:.3g}s ratio={ratio:.3f}")
    worst = max(x[2] for x in rows)
    print(f"compare: {len(rows)} cases, geometric-mean ratio "
          f"{statistics.geometric_mean([x[2] for x in rows]):.3f}, worst {worst:.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
