#!/usr/bin/env python3
"""bench/report.py: turn bench/run.sh's raw figures into a table, JSON and a chart.

  report.py RAW.tsv OUT.json MODE ROWS NSERIES   table on stdout, JSON written
  report.py --chart OUT.json OUT.png             gnuplot chart of the ratios
Ratios are ztsdb / baseline, for speed figures "higher is better" is kept
(ztsdb rows/s divided by heap rows/s), for latency and size lower is better.
The TSBS step's figures (tsbs_<query>_ms_<tier>, medians timed in the same
run for both tables) get a table of their own: one row per query, the
ztsdb / heap+btree ratio per tier, "*" above the 0.5x target.  So do the
cardinality step's (bench/cardinality.sh, card_*_s<S>): per query and tier
the ztsdb / heap ratio at each series count and the ratio of ratios (most
series / fewest), with the chunks and blocks the ztsdb scan skipped.
"""
import re
import json
import os
import subprocess
import sys
import tempfile


def load(raw):
    figures = {}
    with open(raw) as f:
        for line in f:
            name, table, value = line.rstrip("\n").split("\t")
            figures.setdefault(name, {})[table] = float(value) if value else None
    return figures


def ratios(figures):
    out = {}
    for name, by_table in figures.items():
        z = by_table.get("ztsdb")
        for base in ("heap_btree", "heap_brin"):
            b = by_table.get(base)
            if z is not None and b:
                out.setdefault(name, {})["vs_" + base] = round(z / b, 3)
    # query phases: ztsdb warm/cold against heap (hot, heap has no tiers)
    for q in ("q1", "q2", "q3", "q4"):
        for phase, base in (("warm", "hot"), ("cold", "hot"), ("scraped_warm", "scraped_hot"),
                            ("scraped_cold", "scraped_hot")):
            z = figures.get(f"{q}_avg_ms_{phase}", {}).get("ztsdb")
            b = figures.get(f"{q}_avg_ms_{base}", {}).get("heap_btree")
            if z is not None and b:
                out.setdefault(f"{q}_avg_ms_{phase}", {})["vs_heap_btree"] = round(z / b, 3)
    for name in ("bytes_per_row", "scraped_bytes_per_row"):
        size = figures.get(name, {})
        for tier in ("ztsdb_hot", "ztsdb_warm", "ztsdb_cold"):
            if size.get(tier) is not None and size.get("heap_btree"):
                out.setdefault(name, {})[tier + "_vs_heap_btree"] = round(
                    size[tier] / size["heap_btree"], 3)
    return out


TSBS_TIERS = ("hot", "warm", "cold")
TSBS_TARGET = 0.5


def tsbs_table(figures):
    queries = []
    for name in figures:
        if name.startswith("tsbs_"):
            q = name[len("tsbs_"):].rsplit("_ms_", 1)[0]
            if q not in queries:
                queries.append(q)
    if not queries:
        return ""
    lines = [f"TSBS DevOps (cpu, text tags, hostname IN (...)), median ms (heap+btree(hostname, ts) / ztsdb)"
             f" and ztsdb/heap; * above {TSBS_TARGET}x",
             f"{'query':24}" + "".join(f"{t:>28}" for t in TSBS_TIERS)]
    for q in queries:
        cells = []
        for tier in TSBS_TIERS:
            f = figures.get(f"tsbs_{q}_ms_{tier}", {})
            z, h = f.get("ztsdb"), f.get("heap_btree")
            if z is None or not h:
                cells.append(f"{'-':>28}")
                continue
            r = z / h
            cells.append(f"{h:9.3f} /{z:9.3f} {r:6.2f}{'*' if r > TSBS_TARGET else ' '}")
        lines.append(f"{q:24}" + "".join(cells))
    return "\n".join(lines)


CARD_RE = re.compile(r"^card_(.+)_s(\d+)$")


def card_table(figures):
    """The cardinality step's figures: card_<figure>_s<S>."""
    by = {}
    for name, f in figures.items():
        m = CARD_RE.match(name)
        if m:
            by.setdefault(m.group(1), {})[int(m.group(2))] = f
    if not by:
        return ""
    counts = sorted({s for f in by.values() for s in f})
    lo, hi = counts[0], counts[-1]

    def ratio(fig, s):
        f = by.get(fig, {}).get(s, {})
        z, h = f.get("ztsdb"), f.get("heap_btree")
        return z / h if z is not None and h else None

    def fmt(v, w=10):
        return f"{v:{w}.3f}" if v is not None else f"{'-':>{w}}"

    head = f"{'figure':26}" + "".join(f"{'S=' + str(s) + ' z/heap':>16}" for s in counts) + \
        f"{'S=' + str(hi) + ' / S=' + str(lo):>18}"
    lines = ["High cardinality (bench/cardinality.sh): same rows, few vs many series; ztsdb / heap+btree",
             "(rows/s: higher is better; ms, bytes: lower is better), then the ratio of ratios (1.0: scales as heap);",
             "*_defaults: ztsdb's default GUCs, rows of the last day left to the tiering (*_prepared: pgbench -M prepared);",
             "the others tuned, tier by tier",
             head]
    figs = [k for k in by if "_ms_" in k or k.startswith("copy_") or k.startswith("bytes_")]
    for fig in figs:
        rs = [ratio(fig, s) for s in counts]
        rr = rs[-1] / rs[0] if rs[0] and rs[-1] is not None else None
        lines.append(f"{fig:26}" + "".join(fmt(r, 16) for r in rs) + fmt(rr, 18))
    lines.append("ztsdb scan counters (EXPLAIN ANALYZE, one execution):")
    for fig in by:
        if "_ms_" in fig or fig.startswith("copy_") or fig.startswith("bytes_"):
            continue
        vals = [by[fig].get(s, {}).get("ztsdb") for s in counts]
        if any(vals):
            lines.append(f"  {fig:34}" + "".join(f"{'S=' + str(s)}: {v:<10.0f}" if v is not None else ""
                                                   for s, v in zip(counts, vals)))
    return "\n".join(lines)


def table(figures, rat):
    cols = ["ztsdb", "heap_btree", "heap_brin"]
    lines = ["Ingestion figures (copy_*, batch_*, single_*, fsyncs) ran with ztsdb's default GUCs;",
             "queries and sizes with bench/cluster_conf.sh's tuned ones (the data set kept hot).",
             f"{'figure':34} " + " ".join(f"{c:>12}" for c in cols) + "   ztsdb/btree  ztsdb/brin"]
    for name in figures:
        if name.endswith("bytes_per_row") or name.startswith("tsbs_") or name.startswith("card_"):
            continue
        vals = [figures[name].get(c) for c in cols]
        r = rat.get(name, {})
        lines.append(f"{name:34} " + " ".join(f"{v:12.3f}" if v is not None else f"{'-':>12}" for v in vals)
                     + f"   {r.get('vs_heap_btree', '-'):>11}  {r.get('vs_heap_brin', '-'):>10}")
    for name in figures:
        if name.endswith("bytes_per_row"):
            lines.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures[name].items()))
    tsbs = tsbs_table(figures)
    if tsbs:
        lines += ["", tsbs]
    card = card_table(figures)
    if card:
        lines += ["", card]
    return "\n".join(lines)


def chart(json_path, png_path):
    with open(json_path) as f:
        doc = json.load(f)
    rows = []
    for name, r in doc["ratios"].items():
        for base, v in r.items():
            if base == "vs_heap_btree" and isinstance(v, (int, float)):
                rows.append((name, v))
    if not rows:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as d:
        for i, (name, v) in enumerate(rows):
            d.write(f'{i} "{name}" {v}\n')
        dat = d.name
    script = f"""
set terminal png size 1200,600
set termoption noenhanced
set output '{png_path}'
set title 'ztsdb / heap+btree ({doc["mode"]}, {doc["rows"]} rows): >1 is faster for rows/s and tps, slower for ms'
set style fill solid
set boxwidth 0.7
set xtics rotate by -45 font ',8'
set bmargin 10
set logscale y
set grid ytics
plot '{dat}' using 1:3:xtic(2) with boxes notitle, 1 with lines lc rgb 'black' notitle
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.unlink(dat)


def main():
    if sys.argv[1] == "--chart":
        chart(sys.argv[2], sys.argv[3])
        return
    raw, out_json, mode, rows, nseries = sys.argv[1:6]
    figures = load(raw)
    rat = ratios(figures)
    codecs = []
    if len(sys.argv) > 6 and os.path.exists(sys.argv[6]):
        with open(sys.argv[6]) as f:
            codecs = [json.loads(line) for line in f if line.strip()]
    doc = {"mode": mode, "rows": int(rows), "nseries": int(nseries), "figures": figures, "ratios": rat,
           "ztsdb_gucs": {"ingestion": "defaults", "queries_and_sizes": "bench/cluster_conf.sh tuned"},
           "codecs": codecs}
    with open(out_json, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    print(table(figures, rat))


if __name__ == "__main__":
    main()
