#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The chart of `make bench`, from the JSON that bench/report.py wrote.

    bench/chart.py BENCH_JSON OUT_PNG

Top: data throughput of the three file systems (median of the rounds, the
whiskers span min to max), with the memory copy bandwidth of the same boot as
a dashed line. Bottom: cost per entry (create, lookup, readdir) against the
number of entries in the directory (log scale). Needs matplotlib (Debian's
python3-matplotlib, which scripts/setup.sh installs).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FSES = ["rust_ramfs", "ramfs", "tmpfs"]
COLORS = {"rust_ramfs": "#c1502e", "ramfs": "#3b6ea8", "tmpfs": "#7a9a3a"}
LABELS = {"rust_ramfs": "rust_ramfs", "ramfs": "ramfs (C)", "tmpfs": "tmpfs"}


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        doc = json.load(f)
    rows = doc["rows"]
    info = doc.get("info", {})

    fig = plt.figure(figsize=(13, 8.5), dpi=100)
    grid = fig.add_gridspec(2, 3, height_ratios=[1.1, 1], hspace=0.42, wspace=0.28)

    # --- data throughput bars ---
    ax = fig.add_subplot(grid[0, :])
    data = [r for r in rows if r["group"] == "data" and r["fs"]]
    width = 0.26
    for k, fs in enumerate(FSES):
        xs, ys, lo, hi = [], [], [], []
        for i, r in enumerate(data):
            s = r["fs"].get(fs)
            if not s:
                continue
            xs.append(i + (k - 1) * width)
            ys.append(s["median"])
            lo.append(s["median"] - s["min"])
            hi.append(s["max"] - s["median"])
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, color=COLORS[fs],
               label=LABELS[fs], error_kw={"elinewidth": 0.8, "ecolor": "#333"})
    for r in rows:
        if r["group"] == "ref" and r["key"] == "mbw-memcpy":
            ax.axhline(r["all"]["median"], color="#555", linestyle="--", linewidth=1,
                       label=f"memcpy, no file system (mbw): {r['all']['median']:.0f} MiB/s")
    ax.set_xticks(range(len(data)))
    ax.set_xticklabels([r["label"] for r in data], fontsize=9)
    ax.set_ylabel("MiB per CPU second (median, min-max)")
    ax.set_title(f"Data throughput: fio, buffered, {info.get('size', '?')} file; the three "
                 f"file systems' jobs side by side on one vCPU (higher is better)", fontsize=11)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    ax.grid(axis="y", alpha=0.3)

    # --- per-entry cost vs directory size ---
    sizes = doc.get("scale_sizes", [])
    for p, (key, title) in enumerate((("create", "create"), ("stat", "lookup (stat)"),
                                      ("readdir", "readdir"))):
        ax = fig.add_subplot(grid[1, p])
        for fs in FSES:
            xs, ys, lo, hi = [], [], [], []
            for n in sizes:
                row = next((r for r in rows if r["group"] == "scale"
                            and r["key"] == f"{key}@{n}"), None)
                s = row and row["fs"].get(fs)
                if not s:
                    continue
                xs.append(n)
                ys.append(s["median"])
                lo.append(s["median"] - s["min"])
                hi.append(s["max"] - s["median"])
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", markersize=4, capsize=2,
                            color=COLORS[fs], label=LABELS[fs], linewidth=1.2)
        ax.set_xscale("log")
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.1)
        ax.set_xticks(sizes)
        ax.set_xticklabels([f"{n:,}" for n in sizes], fontsize=8)
        ax.set_xlabel("entries in the directory", fontsize=9)
        if p == 0:
            ax.set_ylabel("ns per entry (lower is better)")
        ax.set_title(f"{title}: cost per entry", fontsize=10)
        ax.grid(alpha=0.3)
        if p == 0:
            ax.legend(fontsize=8)

    fig.suptitle(f"rust_ramfs vs C ramfs vs tmpfs: one boot of Linux {info.get('kernel', '?')}, "
                 f"{info.get('cpus', '?')} vCPUs under QEMU {info.get('accel', 'TCG')}, "
                 f"{info.get('rounds', '?')} rounds", fontsize=12)
    fig.savefig(dst, bbox_inches="tight")


if __name__ == "__main__":
    main()
