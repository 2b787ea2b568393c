#!/usr/bin/env python3
"""Join hamgen's Google Benchmark results with the PyTorch peers' JSON lines and print ratios.

    bench_expm --benchmark_format=json --benchmark_repetitions=5 > hamgen.json
    /usr/bin/python3 ../shared/bench/expm_torch.py --threads 1 > torch.jsonl
    benchmarks/compare.py hamgen.json torch.jsonl [--peer-impl torch] [--markdown]
    benchmarks/compare.py h1.json,h2.json,h3.json t1.jsonl,t2.jsonl,t3.jsonl --markdown

hamgen benchmark names are "bench|impl=NAME|dtype=...|key=value|...". Each is turned into the
peers' JSON-lines form (median_s = median real time of one call, in seconds) and joined with the
peer on (bench, dtype, threads, size keys). Prints one row per joined case: ratio = hamgen / peer
(below 1: hamgen faster). Also accepts a hamgen JSON-lines file (already converted).

Paired rounds: comma-separated lists of equal length are rounds run alternately (hamgen, peer,
hamgen, peer, ...). Each round gives its own ratio; the table shows the median over rounds of the
times and of the per-round ratios, and the range of the ratios, so a slow phase of a shared
machine that falls on one side of one round moves one ratio, not the result.
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
    our_files, peer_files = a.ours.split(","), a.peer.split(",")
    if len(our_files) != len(peer_files):
        print(f"compare: {len(our_files)} hamgen rounds but {len(peer_files)} peer rounds", file=sys.stderr)
        return 2
    # per case: the rounds' (ours, peer) times
    rounds = {}
    for of, pf in zip(our_files, peer_files):
        peer = {key_of(r): r for r in load_any(pf, a.threads)}
        for r in load_any(of, a.threads):
            if r.get("impl", a.impl) != a.impl:
                continue
            p = peer.get(key_of(r))
            if p is None:
                continue
            rounds.setdefault(key_of(r), []).append((r["median_s"], p["median_s"]))
    rows = []
    for key, pairs in rounds.items():
        ratios = [o / p for o, p in pairs]
        rows.append((dict(key), statistics.median(o for o, _ in pairs), statistics.median(p for _, p in pairs),
                     statistics.median(ratios), min(ratios), max(ratios)))
    if not rows:
        print("compare: no case matched between the two files", file=sys.stderr)
        return 1
    paired = len(our_files) > 1
    keys = [k for k in rows[0][0] if k not in ("impl", "median_s", "reps")]
    if a.markdown:
        extra = " ratio range |" if paired else ""
        print("| " + " | ".join(keys) + " | hamgen s | peer s | ratio |" + extra)
        print("|" + "---|" * (len(keys) + 3 + paired))
    for r, ours_s, peer_s, ratio, lo, hi in sorted(rows, key=lambda x: [str(x[0].get(k)) for k in keys]):
        vals = [str(r.get(k)) for k in keys]
        spread = f" {lo:.3f}–{hi:.3f} |" if paired else ""
        if a.markdown:
            print("| " + " | ".join(vals) + f" | {ours_s:.3g} | {peer_s:.3g} | {ratio:.3f} |" + spread)
        else:
            print(" ".join(f"{k}={v}" for k, v in zip(keys, vals)) +
                  f"  ours={ours_s:.3g}s peer={peer_s:.3g}s ratio={ratio:.3f}" +
                  (f" (rounds {lo:.3f}-{hi:.3f})" if paired else ""))
    worst = max(x[3] for x in rows)
    print(f"compare: {len(rows)} cases, {len(our_files)} round(s), geometric-mean ratio "
          f"{statistics.geometric_mean([x[3] for x in rows]):.3f}, worst {worst:.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
