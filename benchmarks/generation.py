"""Synthetic tables: make_tabular_pipeline(VAEGenerator()) against SDV's synthesizers.

Usage (from the repository root; SDV pins pandas < 3, so it lives in its own virtualenv)::

    python3 -m venv .venv-sdv && .venv-sdv/bin/pip install torch==2.13.0 sdv skorch \
        constriction safetensors && .venv-sdv/bin/pip install --no-deps -e .
    .venv-sdv/bin/python benchmarks/generation.py [--split protocol|dev] \
        [--methods ours,tvae,gaussiancopula] [--variants] [--data-dir ../shared/data] \
        [--out benchmarks/results/generation_protocol.json]

Data: ``<data-dir>/weatherAUS.csv.gz``, Date dropped, rows without RainTomorrow dropped, missing
values kept. ``--split protocol``: 30,000 rows sampled with seed 0, the first 20,000 train, the
other 10,000 are held out (the issue's protocol). ``--split dev``: the same sizes drawn (seed 1)
from the rows the protocol does not use, the development half the defaults were chosen on.

Figures per method (every synthetic set has 20,000 rows):
    quality     SDMetrics quality report of synthetic vs training rows (SDV's
                ``evaluate_quality``): the overall score, column shapes, column pair trends.
    AUC         machine-learning efficacy: ``HistGradientBoostingClassifier(random_state=0)``
                trained on the synthetic rows to predict RainTomorrow, ROC-AUC on the held-out
                real rows (``real`` trains it on the real training rows instead).
    copies      share of synthetic rows equal to a training row (all columns as text).
    DCR         ``sk_autoencoder.privacy_check``: median distance to the closest training row of
                2,000 synthetic rows against that of 2,000 held-out real rows, the share closer
                than the held-out 5th percentile, and its memorisation flag.
    fit / sample seconds, in one run, on the same machine.

Methods
    ours            ``make_tabular_pipeline(VAEGenerator(random_state=0))``, defaults.
    tvae            SDV ``TVAESynthesizer(metadata, epochs=300)`` (its default epochs).
    gaussiancopula  SDV ``GaussianCopulaSynthesizer(metadata)``.
    ctgan           SDV ``CTGANSynthesizer(metadata, epochs=300)`` (slow on a CPU; opt in).
``--variants`` adds ours with one default changed at a time: ``prior="normal"``, no marginal
calibration, the standardising preprocessor, a 2-D code, and all of these together.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import DEFAULT_DATA_DIR, RESULTS_DIR, fmt, machine_info, markdown_table, write_json
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from sk_autoencoder import TabularPreprocessor, VAEGenerator, make_tabular_pipeline, privacy_check

TARGET, POSITIVE = "RainTomorrow", "Yes"
N_TRAIN, N_HOLDOUT = 20_000, 10_000


def load_split(data_dir: Path, split: str):
    df = pd.read_csv(data_dir / "weatherAUS.csv.gz").drop(columns=["Date"])
    df = df.dropna(subset=[TARGET])
    protocol = df.sample(N_TRAIN + N_HOLDOUT, random_state=0)
    if split == "dev":
        rest = df.drop(index=protocol.index)
        rows = rest.sample(N_TRAIN + N_HOLDOUT, random_state=1).reset_index(drop=True)
    else:
        rows = protocol.reset_index(drop=True)
    return (
        rows.iloc[:N_TRAIN].reset_index(drop=True),
        rows.iloc[N_TRAIN:].reset_index(drop=True),
    )


def efficacy(fit_df: pd.DataFrame, test: pd.DataFrame) -> float:
    """ROC-AUC on the real held-out rows of a classifier trained on ``fit_df``."""
    fit_df = fit_df.dropna(subset=[TARGET])
    Xa, Xb = fit_df.drop(columns=[TARGET]).copy(), test.drop(columns=[TARGET]).copy()
    ya = (fit_df[TARGET].astype(str) == POSITIVE).astype(int)
    yb = (test[TARGET].astype(str) == POSITIVE).astype(int)
    if ya.nunique() < 2:
        return float("nan")
    cats = [c for c in Xb.columns if not pd.api.types.is_numeric_dtype(Xb[c])]
    for c in cats:
        fa = Xa[c].astype(object).where(Xa[c].notna(), "missing").astype(str)
        fb = Xb[c].astype(object).where(Xb[c].notna(), "missing").astype(str)
        levels = sorted(set(fa) | set(fb))
        Xa[c] = pd.Categorical(fa, categories=levels).codes
        Xb[c] = pd.Categorical(fb, categories=levels).codes
    for c in Xa.columns:
        if c not in cats:
            Xa[c] = pd.to_numeric(Xa[c], errors="coerce")
    clf = HistGradientBoostingClassifier(
        random_state=0, categorical_features=[Xa.columns.get_loc(c) for c in cats]
    ).fit(Xa, ya)
    return float(roc_auc_score(yb, clf.predict_proba(Xb)[:, 1]))


def exact_copies(train: pd.DataFrame, syn: pd.DataFrame) -> float:
    seen = set(map(tuple, train.astype(str).to_numpy()))
    rows = syn[train.columns].astype(str).to_numpy()
    return float(np.mean([tuple(r) in seen for r in rows]))


def quality(train: pd.DataFrame, syn: pd.DataFrame) -> dict:
    from sdv.evaluation.evaluation import evaluate_quality
    from sdv.metadata import Metadata

    md = Metadata.detect_from_dataframes({"t": train})
    report = evaluate_quality({"t": train}, {"t": syn[train.columns]}, md, verbose=False)
    props = report.get_properties().set_index("Property")["Score"].to_dict()
    return {
        "quality": float(report.get_score()),
        "shapes": float(props.get("Column Shapes", np.nan)),
        "pairs": float(props.get("Column Pair Trends", np.nan)),
    }


def ours(variant: str):
    """A fit function for our pipeline with one default changed (``variant``)."""

    def fit(train):
        vae = {"prior": "normal"} if variant in ("normal prior", "all off") else {}
        if variant in ("2-D code", "all off"):
            vae["n_components"] = 2
        pre = None
        if variant in ("standardised", "all off"):
            pre = TabularPreprocessor()
        pipe = make_tabular_pipeline(VAEGenerator(random_state=0, **vae), pre).fit(train)
        if variant in ("no calibration", "all off"):
            pipe.marginals_ = None
        return lambda n: pipe.sample(n, random_state=0)

    return fit


def sdv(name: str):
    def fit(train):
        from sdv.metadata import Metadata
        from sdv.single_table import (
            CTGANSynthesizer,
            GaussianCopulaSynthesizer,
            TVAESynthesizer,
        )

        md = Metadata.detect_from_dataframes({"t": train})
        if name == "tvae":
            model = TVAESynthesizer(md, epochs=300)
        elif name == "ctgan":
            model = CTGANSynthesizer(md, epochs=300)
        else:
            model = GaussianCopulaSynthesizer(md)
        model.fit({"t": train})

        def sample(n):
            out = model.sample(n)
            return out["t"] if isinstance(out, dict) else out

        return sample

    return fit


def measure(name, fit, train, holdout) -> dict:
    t = time.perf_counter()
    sampler = fit(train)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    syn = pd.DataFrame(sampler(N_TRAIN))[train.columns]
    sample_s = time.perf_counter() - t
    row = {"method": name, "fit_s": fit_s, "sample_s": sample_s, **quality(train, syn)}
    row["auc"] = efficacy(syn, holdout)
    row["exact_copies"] = exact_copies(train, syn)
    row["privacy"] = privacy_check(train, syn, holdout, n_rows=2000, random_state=0)
    p = row["privacy"]
    print(
        f"{name}: fit {fit_s:.1f}s quality {row['quality']:.4f} (shapes {row['shapes']:.4f}, "
        f"pairs {row['pairs']:.4f}) AUC {row['auc']:.4f} copies {row['exact_copies']:.4f} "
        f"DCR {p['dcr_median']:.4f} vs {p['holdout_dcr_median']:.4f}",
        flush=True,
    )
    return row


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--split", choices=["protocol", "dev"], default="protocol")
    parser.add_argument("--methods", default="ours,tvae,gaussiancopula")
    parser.add_argument("--variants", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    train, holdout = load_split(args.data_dir, args.split)
    real_auc = efficacy(train, holdout)
    print(
        f"{args.split}: {len(train)} train rows, {len(holdout)} held out; real->real AUC "
        f"{real_auc:.4f}",
        flush=True,
    )
    runs = []
    for method in args.methods.split(","):
        runs.append(
            (
                "ours" if method == "ours" else method,
                ours("default") if method == "ours" else sdv(method),
            )
        )
        if method == "ours" and args.variants:
            for v in ("normal prior", "no calibration", "standardised", "2-D code", "all off"):
                runs.append((f"ours, {v}", ours(v)))
    rows = [measure(name, fit, train, holdout) for name, fit in runs]
    header = [
        "method",
        "quality",
        "shapes",
        "pairs",
        "AUC",
        "copies",
        "DCR",
        "DCR held-out",
        "close share",
        "fit s",
        "sample s",
    ]
    table = [
        [
            r["method"],
            fmt(r["quality"]),
            fmt(r["shapes"]),
            fmt(r["pairs"]),
            fmt(r["auc"]),
            fmt(r["exact_copies"]),
            fmt(r["privacy"]["dcr_median"]),
            fmt(r["privacy"]["holdout_dcr_median"]),
            fmt(r["privacy"]["close_share"], ".3f"),
            fmt(r["fit_s"], ".1f"),
            fmt(r["sample_s"], ".1f"),
        ]
        for r in rows
    ]
    table.append(["real training rows", "-", "-", "-", fmt(real_auc), "-", "-", "-", "-", "-", "-"])
    print(markdown_table(header, table, "l" + "r" * (len(header) - 1)))
    out = args.out or RESULTS_DIR / f"generation_{args.split}.json"
    write_json(
        {"machine": machine_info(), "split": args.split, "real_auc": real_auc, "results": rows}, out
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
