"""Benchmark the FAQ engines on faq-bench-format data; print one JSON object.

    python bench/faq.py --calibrate ../shared/faq-bench        # fit each engine's calibration, choose the threshold
    python bench/faq.py --eval ../shared/faq-bench             # the shipped settings, unchanged, on any split

``--calibrate DIR`` fits each engine's calibration (raw evidence -> probability the answer is right;
bot/matching/calibration.py) on DIR's queries and chooses the one answer threshold that answers
the most in-scope queries rightly while keeping the macro precision of given answers >= 90% and the
out-of-scope answers <= 5%; it prints both, to be copied into the package. ``--eval DIR`` runs the
shipped calibration and the default ``[faq] answer_threshold`` (or ``--threshold``) unchanged: per
track and macro top-1, answered right/wrong, out-of-scope answered (averaged over the tracks that
have out-of-scope queries), precision, latency, build time, peak RSS. ``--scale N`` times queries on
an N-entry FAQ; ``--distractors N`` adds N entries from other domains to every track's FAQ and
reports the top-1 it keeps. The hybrid engine runs when the fanloop[semantic] extra is installed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.matching.calibration import HYBRID, IDENTITY, LEXICAL, Calibration
from bot.matching.embedders import local_embedder
from bot.matching.index import Match, MatchIndex
from bot.matching.semantic import HybridIndex
from bot.settings import FaqSettings

Maker = Callable[[Calibration], MatchIndex]
#: what --calibrate holds the chosen threshold to, on the calibration data
MIN_PRECISION, MAX_OOS = 0.90, 0.05


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def tracks_of(*data: Path) -> list[Path]:
    """Every track (a folder with faq.jsonl and queries.jsonl) of these data folders."""
    return sorted((p for d in data for p in d.iterdir() if (p / "faq.jsonl").exists()), key=lambda p: p.name)


def named(tracks: list[Path]) -> dict[str, Path]:
    """Tracks by name; a name found in two folders (zh-faq's dev and test) gets its folder's too."""
    names = [t.name for t in tracks]
    return {(t.name if names.count(t.name) == 1 else f"{t.parent.parent.name}/{t.parent.name}/{t.name}"): t
            for t in tracks}  # fmt: skip


def run_track(track: Path, make: Maker, calibration: Calibration, distractors: int = 0) -> dict[str, Any]:
    """Every query of a track alone against its FAQ: ``rows`` of (best match or None, label) where the
    label is True right / False wrong / None out of scope, with latencies and build time."""
    faq = load(track / "faq.jsonl")
    queries = load(track / "queries.jsonl")
    ids = {e["id"]: i for i, e in enumerate(faq)}
    entries = [(i, [e["question"], *e.get("alternates", [])]) for i, e in enumerate(faq)]
    if distractors:
        entries += other_domains(track, distractors, first_id=len(faq))
    t0 = time.perf_counter()
    index = make(calibration)
    if isinstance(index, HybridIndex):
        index.add_many(entries)
    else:
        for i, phrasings in entries:
            index.add(i, phrasings)
    build = time.perf_counter() - t0
    for q in queries[:20]:  # warm up
        index.search(q["text"], 1)
    rows: list[tuple[Match | None, bool | None]] = []
    latencies = []
    for q in queries:
        t = time.perf_counter()
        matches = index.search(q["text"], 2)
        latencies.append((time.perf_counter() - t) * 1000)
        best = matches[0] if matches else None
        expected = q["expected_faq_id"]
        label = None if expected is None else (best is not None and best.entry_id == ids[expected])
        rows.append((best, label))
    latencies.sort()
    return {"rows": rows, "latencies": latencies, "build_s": build}


def other_domains(track: Path, n: int, first_id: int) -> list[tuple[int, list[str]]]:
    """``n`` entries made of the other tracks' phrasings (suffixed to stay distinct when repeated)."""
    pool = [[e["question"], *e.get("alternates", [])] for t in tracks_of(track.parent) if t != track
            for e in load(t / "faq.jsonl")]  # fmt: skip
    return [(first_id + i, [p + (f" ({i // len(pool)})" if i >= len(pool) else "") for p in pool[i % len(pool)]])
            for i in range(n)]  # fmt: skip


def figures(run: dict[str, Any], threshold: float) -> dict[str, Any]:
    rows = run["rows"]
    in_scope = [r for r in rows if r[1] is not None]
    oos = [r for r in rows if r[1] is None]
    answered = [(m, ok) for m, ok in rows if m is not None and m.confidence >= threshold]
    right = sum(1 for _, ok in answered if ok is True)
    wrong = sum(1 for _, ok in answered if ok is False)
    false_answers = sum(1 for _, ok in answered if ok is None)
    lat = run["latencies"]
    out = {
        "top1": round(sum(1 for _, ok in in_scope if ok) / len(in_scope), 4) if in_scope else 0.0,
        "answered_right": round(right / len(in_scope), 4) if in_scope else 0.0,
        "answered_wrong": round(wrong / len(in_scope), 4) if in_scope else 0.0,
        "precision": round(right / len(answered), 4) if answered else 1.0,
        "p50_ms": round(statistics.median(lat), 3),
        "p99_ms": round(lat[max(0, int(len(lat) * 0.99) - 1)], 3),
        "build_s": round(run["build_s"], 4),
    }
    if oos:
        out["oos_answered"] = round(false_answers / len(oos), 4)
    return out


def macro(tracks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    keys = ["top1", "answered_right", "answered_wrong", "precision", "build_s"]
    out: dict[str, Any] = {k: round(statistics.mean(t[k] for t in tracks.values()), 4) for k in keys}
    with_oos = [t["oos_answered"] for t in tracks.values() if "oos_answered" in t]
    out["oos_answered"] = round(statistics.mean(with_oos), 4) if with_oos else None
    out["oos_tracks"] = len(with_oos)
    out["p50_ms"] = round(statistics.median(t["p50_ms"] for t in tracks.values()), 3)
    out["p99_ms"] = max(t["p99_ms"] for t in tracks.values())
    out["peak_rss_mb"] = rss_mb()
    return out


def fit(runs: dict[str, dict[str, Any]]) -> Calibration:
    """Logistic regression of "the answer is right" on (similarity, lead, cjk), every track weighing
    the same (a 38-query Chinese track as much as a 4,000-query English one); out of scope is wrong."""
    xs = [
        (m.similarity, m.lead, m.cjk, 1.0 if ok else 0.0, 1 / len(run["rows"]))
        for run in runs.values()
        for m, ok in run["rows"]
        if m is not None
    ]
    total = sum(x[-1] for x in xs)
    w = [0.0, 0.0, 0.0, 0.0]
    for _ in range(4000):
        grad = [0.0, 0.0, 0.0, 0.0]
        for sim, lead, cjk, y, weight in xs:
            z = w[0] * sim + w[1] * lead + w[2] * cjk + w[3]
            err = (1 / (1 + math.exp(-z)) - y) * weight
            grad[0] += err * sim
            grad[1] += err * lead
            grad[2] += err * cjk
            grad[3] += err
        w = [wi - 2.0 * g / total for wi, g in zip(w, grad, strict=True)]
    model = Calibration(similarity=round(w[0], 4), lead=round(w[1], 4), bias=round(w[3], 4), cjk=round(w[2], 4))
    scored = sorted((model.probability(sim, lead, cjk), y, weight) for sim, lead, cjk, y, weight in xs)
    return Calibration(model.similarity, model.lead, model.bias, model.cjk, isotonic(scored))


def isotonic(scored: list[tuple[float, float, float]], points: int = 24) -> tuple[tuple[float, float], ...]:
    """Pool adjacent violators over (model output, right or not, weight), sorted by output: the
    share of right answers as a non-decreasing function of the output, kept as ``points`` points."""
    blocks: list[list[float]] = []  # [weighted sum of y, total weight, last x]
    for x, y, weight in scored:
        blocks.append([y * weight, weight, x])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            top = blocks.pop()
            blocks[-1] = [blocks[-1][0] + top[0], blocks[-1][1] + top[1], top[2]]
    curve = [(b[2], b[0] / b[1]) for b in blocks]
    step = max(1, len(curve) // points)
    kept = curve[::step] + ([curve[-1]] if (len(curve) - 1) % step else [])
    return tuple((round(x, 4), round(y, 4)) for x, y in kept)


def recalibrated(run: dict[str, Any], cal: Calibration) -> dict[str, Any]:
    rows = [
        (None if m is None else replace(m, confidence=cal.probability(m.similarity, m.lead, m.cjk)), ok)
        for m, ok in run["rows"]
    ]
    return {**run, "rows": rows}


def choose_threshold(runs: dict[str, dict[str, Any]]) -> float:
    """The threshold answering the most in-scope queries rightly (macro) with macro precision >=
    MIN_PRECISION and out-of-scope answers <= MAX_OOS."""
    best_t, best_right = 0.99, -1.0
    for t in [i / 200 for i in range(1, 200)]:
        m = macro({name: figures(run, t) for name, run in runs.items()})
        if (
            m["precision"] >= MIN_PRECISION
            and (m["oos_answered"] or 0.0) <= MAX_OOS
            and m["answered_right"] > best_right
        ):
            best_t, best_right = t, m["answered_right"]
    return best_t


def scale(data: Path, entries: int) -> dict[str, Any]:
    """Latency on a big FAQ: every phrasing of every track, repeated with a suffix to reach ``entries``."""
    phrasings = [[e["question"], *e.get("alternates", [])] for t in tracks_of(data) for e in load(t / "faq.jsonl")]
    index = MatchIndex()
    t0 = time.perf_counter()
    for i in range(entries):
        base = phrasings[i % len(phrasings)]
        tag = f" v{i // len(phrasings)}" if i >= len(phrasings) else ""
        index.add(i, [p + tag for p in base])
    build = time.perf_counter() - t0
    queries = [q["text"] for t in tracks_of(data) for q in load(t / "queries.jsonl")[:100]]
    index.search("warm up", 3)  # builds the impact-ordered postings once, like the first query after a change
    gc.freeze()  # as the bot does after loading its FAQ: long-lived index objects leave the GC's scans
    lat = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, 3)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    t = time.perf_counter()  # a manager adds an entry: the next question pays for re-weighing it
    index.add(entries, ["How do I change the boot animation?", "boot animation theme"])
    index.search("change the boot animation", 3)
    update = (time.perf_counter() - t) * 1000
    return {"entries": entries, "build_s": round(build, 3), "p50_ms": round(statistics.median(lat), 3),
            "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 3), "first_search_after_an_add_ms": round(update, 1),
            "peak_rss_mb": rss_mb()}  # fmt: skip


def engines(lexical_only: bool) -> dict[str, tuple[Maker, Calibration]]:
    found: dict[str, tuple[Maker, Calibration]] = {"lexical": (lambda cal: MatchIndex(calibration=cal), LEXICAL)}
    embed = None if lexical_only else local_embedder()
    if embed is not None:  # the fanloop[semantic] extra is installed
        found["hybrid"] = (lambda cal: HybridIndex(embed, calibration=cal, multilingual=False), HYBRID)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calibrate", type=Path, nargs="+", help="fit calibrations and the threshold on these (DEV)")
    parser.add_argument("--eval", type=Path, nargs="+", help="evaluate the shipped settings on these splits")
    parser.add_argument("--threshold", type=float, default=FaqSettings().answer_threshold)
    parser.add_argument("--scale", type=int, default=0, help="entries for a latency-at-scale run")
    parser.add_argument("--distractors", type=int, default=0, help="entries from other domains added per track")
    parser.add_argument("--lexical-only", action="store_true", help="skip the hybrid engine even if installed")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    for name, (make, shipped) in engines(args.lexical_only).items():
        if args.calibrate:
            runs = {k: run_track(t, make, IDENTITY) for k, t in named(tracks_of(*args.calibrate)).items()}
            cal = fit(runs)
            runs = {k: recalibrated(run, cal) for k, run in runs.items()}
            threshold = choose_threshold(runs)
            tracks = {k: figures(run, threshold) for k, run in runs.items()}
            result.setdefault("calibrate", {})[name] = {
                "calibration": {
                    "similarity": cal.similarity,
                    "lead": cal.lead,
                    "cjk": cal.cjk,
                    "bias": cal.bias,
                    "curve": cal.curve,
                },
                "threshold": threshold,
                "macro": macro(tracks),
            }
        if args.eval:
            runs = {k: run_track(t, make, shipped) for k, t in named(tracks_of(*args.eval)).items()}
            tracks = {k: figures(run, args.threshold) for k, run in runs.items()}
            entry: dict[str, Any] = {"threshold": args.threshold, "macro": macro(tracks), "tracks": tracks}
            if args.distractors:
                noisy = {k: figures(run_track(t, make, shipped, args.distractors), args.threshold)
                         for k, t in named(tracks_of(*args.eval)).items()}  # fmt: skip
                entry["with_distractors"] = {"entries_added": args.distractors, "macro": macro(noisy)}
            result.setdefault("eval", {})[name] = entry
    if args.scale:
        result["scale"] = scale((args.eval or args.calibrate or [Path("../shared/faq-bench")])[0], args.scale)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
