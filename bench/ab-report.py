#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of `make bench-ab`: per workload and build, the median [min-max]
of the per-round ratios to the C ramfs (its time per operation over
rust_ramfs's: >= 1.00 is as fast or faster), and each build's median ratio to
the first build's in the same round.

    bench/ab-report.py RAW BUILD...
"""
import collections
import statistics
import sys

PHASES = ["create", "stat", "readdir", "rename", "unlink",
          "mkdir-deep", "rmdir-deep", "mkdir-wide", "rmdir-wide"]


def main():
    raw, builds = sys.argv[1], sys.argv[2:]
    cost = collections.defaultdict(dict)  # (build, round, phase) -> {index: s/op}
    for line in open(raw):
        build, rnd, phase, index, _n, ops, secs = line.split()
        cost[(build, rnd, phase)][index] = float(secs) / float(ops)
    ratio = {k: v["1"] / v["0"] for k, v in cost.items() if "0" in v and "1" in v}
    rounds = sorted({k[1] for k in ratio}, key=int)
    width = max(24, *(len(b) for b in builds)) + 2
    print(f"rust_ramfs against the C ramfs, {len(rounds)} rounds: median [min-max]")
    print(f"{'workload':12}" + "".join(f"{b:>{width}}" for b in builds))
    for phase in PHASES:
        row = f"{phase:12}"
        for b in builds:
            got = [ratio[(b, r, phase)] for r in rounds if (b, r, phase) in ratio]
            cell = f"{statistics.median(got):.3f} [{min(got):.2f}-{max(got):.2f}]" if got else "-"
            if b != builds[0] and got:
                vs = [ratio[(b, r, phase)] / ratio[(builds[0], r, phase)] for r in rounds
                      if (b, r, phase) in ratio and (builds[0], r, phase) in ratio]
                cell += f" x{statistics.median(vs):.3f}"
            row += f"{cell:>{width}}"
        print(row)
    print(f"(x: the build's ratio over {builds[0]}'s in the same round, median)")


if __name__ == "__main__":
    main()
