"""Time-series anomaly detection on NAB (realKnownCause): per-timestamp scores.

Protocol, for each series: fit the detector on the whole series without labels and score every
timestamp; a timestamp is positive when it lies in one of NAB's labelled windows
(``combined_windows.json``, bounds included). Reported: ROC-AUC and average precision of the
per-timestamp anomaly scores, and at the detector's fitted threshold the share of labelled
windows containing at least one flagged timestamp (``hit``) and the number of flagged intervals
(``anomalous_intervals``) that overlap no labelled window (``false_iv``); fit time.

Methods: ``SeriesOutlierDetector(random_state=0)`` with its defaults (``--architecture conv``
for the convolutional variant); peers on the same protocol: scikit-learn
``IsolationForest(random_state=0)`` on sliding windows of 64 values (the series in file
order, a timestamp's score is the mean over the windows covering it), and a rolling z-score
(|x_t - mean of the previous 48 values| / their standard deviation).

Label-free synthetic check (``--synthetic``), used to choose the scoring defaults without
NAB's labels: into each series, five anomalies of ``L = max(n // 200, 12)`` steps are planted
at random places (one per kind, scaled by the series' robust spread ``s``, IQR / 1.349): a
spike (one value +-4 s), a level shift (+-1.5 s), a burst of noise (Gaussian, sd 0.5 s), a
change of frequency (the next 2L values played at double speed) and a flat line (the value
at the start held). Positives are the planted stretches widened by L/2 on each side; the
series' own labels are not used (their real anomalies count as negatives, for every variant
alike). Each variant is fitted on the planted series; reported: ROC-AUC and AP over all
planted anomalies, and ROC-AUC of each kind against all negatives. The two peers are scored
on the same planted series (``--no-peers`` leaves them out).

``--data-dir`` may also be a folder with category subfolders in NAB's layout (``nab-dev``: 36
series of realAWSCloudwatch, realTraffic, realAdExchange and artificialWithAnomaly, keys
``<category>/<file>.csv`` in its ``combined_windows.json``): every series in it is run. A series
without a labelled window has no ROC-AUC or AP (it is left out of their means) and counts
only its flagged intervals, all of them false.

Run from the repository root::

    .venv/bin/python benchmarks/timeseries.py --out benchmarks/results/timeseries.json
    .venv/bin/python benchmarks/timeseries.py --synthetic --out benchmarks/results/ts_synth.json
    .venv/bin/python benchmarks/timeseries.py --data-dir ../shared/data/nab-dev \
        --out benchmarks/results/timeseries_nab_dev.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, fmt, machine_info, markdown_table, write_json  # noqa: E402

from sk_autoencoder import SeriesOutlierDetector  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT / ".." / "shared" / "data" / "nab"
SERIES = (
    "ambient_temperature_system_failure",
    "cpu_utilization_asg_misconfiguration",
    "machine_temperature_system_failure",
    "nyc_taxi",
)
PEER_WINDOW = 64
ZSCORE_WINDOW = 48


def series_keys(data_dir: Path) -> list:
    """The labelled series of a folder with category subfolders (NAB's layout), sorted.

    Keys are ``<category>/<file>.csv`` as in ``combined_windows.json``; a folder of plain
    ``.csv`` files (the four realKnownCause series) gives their names.
    """
    with open(Path(data_dir) / "combined_windows.json", encoding="utf-8") as fh:
        keys = sorted(json.load(fh))
    return [k for k in keys if (Path(data_dir) / k).is_file()]


def load_series(data_dir: Path, name: str):
    """The series as a DataFrame (timestamp, value), the positive mask and the windows.

    ``name``: a realKnownCause series name (a file in ``data_dir``) or a
    ``<category>/<file>.csv`` key of a folder with category subfolders.
    """
    import pandas as pd

    key = name if name.endswith(".csv") else f"realKnownCause/{name}.csv"
    path = Path(data_dir) / (name if name.endswith(".csv") else f"{name}.csv")
    df = pd.read_csv(path, parse_dates=["timestamp"])
    with open(Path(data_dir) / "combined_windows.json", encoding="utf-8") as fh:
        windows = json.load(fh)[key]
    windows = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in windows]
    y = np.zeros(len(df), dtype=bool)
    for a, b in windows:
        y |= ((df["timestamp"] >= a) & (df["timestamp"] <= b)).to_numpy()
    return df, y, windows


def iforest_windows(x: np.ndarray, window: int = PEER_WINDOW) -> np.ndarray:
    W = np.lib.stride_tricks.sliding_window_view(x, window)
    s = -IsolationForest(random_state=0).fit(W).score_samples(W)
    cs = np.r_[0.0, np.cumsum(s)]
    t = np.arange(len(x))
    lo, hi = np.maximum(t - window + 1, 0), np.minimum(t, len(s) - 1) + 1
    return (cs[hi] - cs[lo]) / (hi - lo)


def rolling_zscore(x: np.ndarray, window: int = ZSCORE_WINDOW) -> np.ndarray:
    import pandas as pd

    s = pd.Series(x)
    roll = s.rolling(window, min_periods=2)
    z = (s - roll.mean().shift(1)).abs() / roll.std().shift(1)
    return z.replace([np.inf, -np.inf], np.nan).fillna(0.0).to_numpy()


def evaluate_ours(df, y, windows, **params) -> dict:
    t0 = time.perf_counter()
    det = SeriesOutlierDetector(random_state=0, **params).fit(df)
    fit_s = time.perf_counter() - t0
    anomaly = -det.score_samples(df)
    flagged = det.predict(df) == -1
    times = df["timestamp"]
    hits = [bool(flagged[((times >= a) & (times <= b)).to_numpy()].any()) for a, b in windows]
    iv = det.anomalous_intervals(df)
    false_iv = sum(
        not any(s <= b and e >= a for a, b in windows) for s, e in zip(iv["start"], iv["end"])
    )
    labelled = bool(y.any())
    return {
        "roc_auc": float(roc_auc_score(y, anomaly)) if labelled else None,
        "average_precision": float(average_precision_score(y, anomaly)) if labelled else None,
        "windows_hit": int(sum(hits)),
        "n_windows": len(windows),
        "hit_share": float(np.mean(hits)) if hits else None,
        "n_intervals": len(iv["start"]),
        "false_intervals": int(false_iv),
        "flagged_share": float(flagged.mean()),
        "fit_seconds": fit_s,
        "window": int(det.window_),
        "period": det.period_,
        "n_filled": int(det.n_filled_),
    }


PLANTED = ("spike", "level_shift", "noise_burst", "frequency", "flat_line")
# Scoring variants compared by the synthetic check (parameters of SeriesOutlierDetector).
DEFAULT_VARIANT = "local error + code + activity (default)"
VARIANTS = {
    "one member (previous default)": dict(n_estimators=1),
    "raw error + code": dict(error_context=None, activity_weight=0.0),
    "local error + code": dict(activity_weight=0.0),
    "raw error + code + activity": dict(error_context=None),
    DEFAULT_VARIANT: {},
}


def plant(x: np.ndarray, seed: int):
    """``x`` with one anomaly of each kind planted; (y, positive mask, kind index or -1)."""
    rng = np.random.RandomState(seed)
    n = len(x)
    q75, q25 = np.percentile(x, [75, 25])
    s = (q75 - q25) / 1.349
    L = max(n // 200, 12)
    slots = np.linspace(0.08 * n, 0.92 * n, len(PLANTED) + 1).astype(int)
    y, pos, kind_of = x.copy(), np.zeros(n, dtype=bool), np.full(n, -1)
    for j, k in enumerate(rng.permutation(len(PLANTED))):
        a = rng.randint(slots[j], slots[j + 1] - 3 * L)
        kind, b = PLANTED[k], a + L
        if kind == "spike":
            y[a] += rng.choice([-1, 1]) * 4 * s
            b = a + 1
        elif kind == "level_shift":
            y[a:b] += rng.choice([-1, 1]) * 1.5 * s
        elif kind == "noise_burst":
            y[a:b] += rng.normal(0, 0.5 * s, L)
        elif kind == "frequency":
            y[a:b] = x[a : a + 2 * L : 2]
        else:
            y[a:b] = x[a]
        lo, hi = max(a - L // 2, 0), min(b + L // 2, n)
        pos[lo:hi], kind_of[lo:hi] = True, k
    return y, pos, kind_of


PEERS = {"IsolationForest w64 (peer)": iforest_windows, "rolling z-score (peer)": rolling_zscore}


def synthetic_check(
    data_dir: Path,
    series,
    seeds=(0,),
    architecture="mlp",
    variants=tuple(VARIANTS),
    peers: bool = True,
) -> dict:
    chosen = {v: VARIANTS[v] for v in variants}
    methods = [*chosen, *(PEERS if peers else ())]
    out = {v: {"roc_auc": [], "average_precision": [], **{k: [] for k in PLANTED}} for v in methods}
    for name in series:
        df, _, _ = load_series(data_dir, name)  # the labels are not used
        for seed in seeds:
            y, pos, kind_of = plant(df["value"].to_numpy(dtype=float), 1000 + seed)
            d = df.assign(value=y)
            for v in methods:
                if v in chosen:
                    params = dict(random_state=0, architecture=architecture, **chosen[v])
                    s = -SeriesOutlierDetector(**params).fit(d).score_samples(d)
                else:
                    s = PEERS[v](y)
                r = out[v]
                r["roc_auc"].append(float(roc_auc_score(pos, s)))
                r["average_precision"].append(float(average_precision_score(pos, s)))
                for k, kind in enumerate(PLANTED):
                    m = (kind_of == k) | ~pos
                    r[kind].append(float(roc_auc_score(pos[m], s[m])))
            print(
                f"{name} seed {seed}: "
                + ", ".join(
                    f"{v.split(' (')[0]} {out[v]['average_precision'][-1]:.3f}" for v in methods
                ),
                flush=True,
            )
    header = ["variant", "ROC-AUC", "AP", *(f"AUC {k}" for k in PLANTED)]
    rows = [
        [v, *(fmt(float(np.mean(r[k])), ".3f") for k in ("roc_auc", "average_precision", *PLANTED))]
        for v, r in out.items()
    ]
    print(markdown_table(header, rows, align="l" + "r" * (len(header) - 1)))
    return {"variants": chosen, "seeds": list(seeds), "results": out}


def _parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--architecture", default="mlp", choices=["mlp", "conv"])
    ap.add_argument(
        "--series",
        nargs="*",
        default=None,
        help="series names (default: the four realKnownCause ones, or every series of a "
        "--data-dir with category subfolders)",
    )
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--synthetic", action="store_true", help="the label-free planted check")
    ap.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="synthetic check: plantings per series (seeds 0 .. K-1)",
    )
    ap.add_argument(
        "--default-only",
        action="store_true",
        help="the synthetic check of the default scoring only (not every variant)",
    )
    args = ap.parse_args(argv)
    if args.series is None:
        nested = not any(Path(args.data_dir).glob("*.csv"))
        args.series = series_keys(Path(args.data_dir)) if nested else list(SERIES)
    return args


def _mean(d, key):
    values = [v[key] for v in d.values() if v.get(key) is not None]
    return float(np.mean(values)) if values else None


def _evaluate_labelled(args, params):
    """Our detector (and the peers) on each labelled series: ``(results, peers)``."""
    results, peers = {}, {"iforest_w64": {}, "rolling_zscore": {}}
    for name in args.series:
        df, y, windows = load_series(Path(args.data_dir), name)
        results[name] = evaluate_ours(df, y, windows, **params)
        if not args.no_peers and y.any():
            x = df["value"].to_numpy(dtype=float)
            for peer, fn in (("iforest_w64", iforest_windows), ("rolling_zscore", rolling_zscore)):
                s = fn(x)
                peers[peer][name] = {
                    "roc_auc": float(roc_auc_score(y, s)),
                    "average_precision": float(average_precision_score(y, s)),
                }
        r = results[name]
        print(
            f"{name}: window {r['window']} (period {r['period']}), AUC {fmt(r['roc_auc'], '.3f')}, "
            f"AP {fmt(r['average_precision'], '.3f')}, hit {r['windows_hit']}/{r['n_windows']}, "
            f"false intervals {r['false_intervals']}, fit {r['fit_seconds']:.1f} s",
            flush=True,
        )
    return results, peers


def _series_rows(results, peers, no_peers: bool) -> list:
    rows = []
    for name, r in results.items():
        row = [
            name,
            r["window"],
            fmt(r["roc_auc"], ".3f"),
            fmt(r["average_precision"], ".3f"),
            f"{r['windows_hit']}/{r['n_windows']}",
            r["false_intervals"],
            fmt(r["fit_seconds"], ".1f"),
        ]
        if not no_peers:
            for peer in ("iforest_w64", "rolling_zscore"):
                p = peers[peer].get(name)
                row.append(
                    "-" if p is None else f"{p['roc_auc']:.3f} / {p['average_precision']:.3f}"
                )
        rows.append(row)
    return rows


def _summary(results, peers, no_peers: bool):
    """``(summary, mean_row)``: the means over the series, as a dict and a table row."""
    summary = {
        "roc_auc": _mean(results, "roc_auc"),
        "average_precision": _mean(results, "average_precision"),
        "series_all_windows_hit": int(sum(r["hit_share"] == 1.0 for r in results.values())),
        "labelled_series": int(sum(r["roc_auc"] is not None for r in results.values())),
        "fit_seconds_mean": _mean(results, "fit_seconds"),
        "max_false_intervals": int(max(r["false_intervals"] for r in results.values())),
    }
    mean_row = [
        "mean",
        "",
        fmt(summary["roc_auc"], ".3f"),
        fmt(summary["average_precision"], ".3f"),
    ]
    mean_row += [f"all hit in {summary['series_all_windows_hit']}/{len(results)}", "", ""]
    if not no_peers:
        for peer in ("iforest_w64", "rolling_zscore"):
            d = peers[peer]
            mean_row.append(f"{_mean(d, 'roc_auc'):.3f} / {_mean(d, 'average_precision'):.3f}")
            summary[peer] = {
                "roc_auc": _mean(d, "roc_auc"),
                "average_precision": _mean(d, "average_precision"),
            }
    return summary, mean_row


def main(argv=None) -> dict:
    args = _parse_args(argv)

    import torch

    if args.synthetic:
        payload = synthetic_check(
            Path(args.data_dir),
            args.series,
            seeds=tuple(range(args.seeds)),
            architecture=args.architecture,
            variants=[DEFAULT_VARIANT] if args.default_only else list(VARIANTS),
            peers=not args.no_peers,
        )
        payload["machine"] = machine_info() | {"torch_threads": torch.get_num_threads()}
        if args.out:
            print(f"wrote {write_json(payload, args.out)}")
        return payload

    params = {"architecture": args.architecture}
    results, peers = _evaluate_labelled(args, params)

    header = ["series", "window", "ROC-AUC", "AP", "windows hit", "false intervals", "fit s"]
    if not args.no_peers:
        header += ["IForest AUC / AP", "rolling z AUC / AP"]
    rows = _series_rows(results, peers, args.no_peers)
    summary, mean_row = _summary(results, peers, args.no_peers)
    rows.append(mean_row)
    print()
    print(f"SeriesOutlierDetector(random_state=0, architecture={args.architecture!r})")
    print(markdown_table(header, rows, align="lrrrrrr" + "r" * (len(header) - 7)))
    payload = {
        "protocol": __doc__.split("Run from")[0].strip(),
        "params": params,
        "machine": machine_info() | {"torch_threads": torch.get_num_threads()},
        "series": results,
        "peers": peers,
        "mean": summary,
    }
    if args.out:
        print(f"wrote {write_json(payload, args.out)}")
    return payload


if __name__ == "__main__":
    main()
