"""Benchmark feedback duplicate hints on faq-bench-format data; print one JSON object.

    python bench/duplicates.py ../shared/faq-bench bench/zh-faq/dev        # figures at the shipped threshold
    python bench/duplicates.py --choose ../shared/faq-bench bench/zh-faq/dev   # and the best threshold there
    python bench/duplicates.py --semantic ...   # with the packaged sentence model (fanloop[semantic])
    python bench/duplicates.py --scale 20000    # ranking time on a board of 20,000 open items

The duplicate finder is the one ``/idea`` uses (``bot/features/feedback/duplicates.py``). Each track
becomes a feedback board: every FAQ entry's canonical question is an open item (one fan's wording
of an idea); every query is a new submission. An in-scope query should be hinted as a duplicate of
its entry's item; an out-of-scope one (a different idea) should get no hint. Reported per track and
macro: top-1 (the best item is the right one, no threshold), hinted right / hinted wrong (share of
in-scope submissions), out-of-scope hinted (share of out-of-scope submissions, over the tracks
that have some), precision of hints (right / all hints), latency. ``--choose`` also prints the
threshold that gives the most right hints with macro precision >= 70% (a hint is a suggestion with
a button, not an answer: a fan who follows them is right better than two times in three) and
out-of-scope hinted <= 10%: choose it on DEV, report it elsewhere.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.faq import load, named, rss_mb, tracks_of
from bot.features.feedback.duplicates import CANDIDATES, DuplicateIndex
from bot.matching.embedders import Embed, local_embedder
from bot.matching.semantic import HybridIndex
from bot.settings import FeedbackSettings

MIN_PRECISION, MAX_OOS = 0.70, 0.10


def run_track(track: Path, embed: Embed | None = None) -> dict[str, Any]:
    faq = load(track / "faq.jsonl")
    ids = {e["id"]: i + 1 for i, e in enumerate(faq)}
    # the packaged model reads English only (as the bot runs it)
    index = DuplicateIndex(HybridIndex(embed, multilingual=False, candidates=CANDIDATES) if embed else None)
    t0 = time.perf_counter()
    index.add_many([(ids[e["id"]], e["question"]) for e in faq])
    build = time.perf_counter() - t0
    rows: list[tuple[float, bool | None]] = []  # best score, right (None: out of scope)
    latencies = []
    for q in load(track / "queries.jsonl"):
        t = time.perf_counter()
        found = index.rank(q["text"], limit=1)
        latencies.append((time.perf_counter() - t) * 1000)
        score = found[0][1] if found else 0.0
        expected = q["expected_faq_id"]
        rows.append((score, None if expected is None else bool(found) and found[0][0] == ids[expected]))
    latencies.sort()
    return {"rows": rows, "latencies": latencies, "build_s": build, "items": len(faq)}


def figures(run: dict[str, Any], threshold: float) -> dict[str, Any]:
    rows = run["rows"]
    in_scope = [ok for _, ok in rows if ok is not None]
    hinted = [ok for score, ok in rows if score >= threshold]
    right, wrong = hinted.count(True), hinted.count(False)
    oos = sum(1 for _, ok in rows if ok is None)
    lat = run["latencies"]
    out: dict[str, Any] = {
        "items": run["items"],
        "top1": round(in_scope.count(True) / len(in_scope), 4),
        "hinted_right": round(right / len(in_scope), 4),
        "hinted_wrong": round(wrong / len(in_scope), 4),
        "precision": round(right / len(hinted), 4) if hinted else 1.0,
        "p50_ms": round(statistics.median(lat), 3),
        "p99_ms": round(lat[max(0, int(len(lat) * 0.99) - 1)], 3),
    }
    if oos:
        out["oos_hinted"] = round(hinted.count(None) / oos, 4)
    return out


def macro(tracks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    keys = ["top1", "hinted_right", "hinted_wrong", "precision"]
    out: dict[str, Any] = {k: round(statistics.mean(t[k] for t in tracks.values()), 4) for k in keys}
    with_oos = [t["oos_hinted"] for t in tracks.values() if "oos_hinted" in t]
    out["oos_hinted"] = round(statistics.mean(with_oos), 4) if with_oos else None
    out["p50_ms"] = round(statistics.median(t["p50_ms"] for t in tracks.values()), 3)
    out["p99_ms"] = max(t["p99_ms"] for t in tracks.values())
    return out


def choose(runs: dict[str, dict[str, Any]]) -> float:
    best_t, best_right = 1.0, -1.0
    for t in [i / 200 for i in range(1, 200)]:
        m = macro({name: figures(run, t) for name, run in runs.items()})
        if m["precision"] >= MIN_PRECISION and (m["oos_hinted"] or 0.0) <= MAX_OOS and m["hinted_right"] > best_right:
            best_t, best_right = t, m["hinted_right"]
    return best_t


def scale(items: int) -> dict[str, Any]:
    """Ranking on a board of ``items`` open ideas written like the pipeline benchmark's: p50/p99 of
    one /idea's work on the index (index the previous idea, rank the new one), and the build."""
    from bench.pipeline import IDEAS, PLACES

    rng = random.Random(1)
    idea = lambda: f"{rng.choice(IDEAS)} {rng.choice(PLACES)} {rng.randrange(1000)}"  # noqa: E731
    index = DuplicateIndex()
    t0 = time.perf_counter()
    index.add_many([(i + 1, idea()) for i in range(items)])
    build = time.perf_counter() - t0
    latencies = []
    for i in range(300):
        text = idea()
        t = time.perf_counter()
        index.rank(text, limit=3)
        index.add(items + i + 1, text)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    return {
        "items": items,
        "build_s": round(build, 2),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "peak_rss_mb": rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="*", type=Path)
    parser.add_argument("--scale", type=int, help="time ranking on a board of this many open items")
    parser.add_argument("--choose", action="store_true", help="also print the best threshold on this data")
    parser.add_argument("--threshold", type=float, default=FeedbackSettings().similar_threshold)
    parser.add_argument("--semantic", action="store_true", help="with the packaged sentence model")
    args = parser.parse_args()
    if args.scale:
        print(json.dumps(scale(args.scale)))
        return
    if not args.data:
        parser.error("give a data folder (or --scale N)")
    embed = local_embedder() if args.semantic else None
    if args.semantic and embed is None:
        parser.error("--semantic needs the fanloop[semantic] extra")
    runs = {name: run_track(track, embed) for name, track in named(tracks_of(*args.data)).items()}
    report: dict[str, Any] = {"engine": "hybrid" if embed else "lexical", "threshold": args.threshold}
    tracks = {name: figures(run, args.threshold) for name, run in runs.items()}
    report["macro"] = macro(tracks) | {"peak_rss_mb": rss_mb()}
    report["tracks"] = tracks
    if args.choose:
        best = choose(runs)
        report["chosen"] = {"threshold": best, "macro": macro({n: figures(r, best) for n, r in runs.items()})}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
