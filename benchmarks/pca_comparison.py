"""PCA vs AutoencoderTransformer vs VAEGenerator: reconstruction, held-out score, fit time.

Usage (from the repository root)::

    python benchmarks/pca_comparison.py [--data-dir ../shared/data] \
        [--out benchmarks/results/pca_comparison.json] [--seed 0] [--max-rows N]

Data sets
    weather  the usual tutorial matrix of the "Rain in Australia" table: 17 standardised
             numeric columns of the 58,090 complete rows (``weather_tutorial_matrix``);
             n_components in (2, 3, 5, 8).
    digits   scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1] (1,797 x 64);
             n_components in (2, 8, 16).

Protocol
    A seeded 80/20 train/test split (stratified by RainTomorrow on weather). Every model is
    fitted on the training rows with its defaults (``random_state=seed``; ``loss="mse"``
    everywhere). Reported: fit seconds, reconstruction MSE (mean over all values) on the
    training and the test rows, and the mean of ``score_samples`` on the test rows.

    ``score_samples`` does NOT mean the same thing for every model:

    - PCA: exact log-likelihood of probabilistic PCA, in nats per row.
    - VAEGenerator: the ELBO (16 draws), a lower bound on the log-likelihood, in nats per row;
      comparable with PCA's. Its Gaussian likelihood has one learned variance per column
      (floored at 1e-4) where PCA has one shared noise variance, which favours the VAE on
      columns that are (nearly) constant, as several digit pixels are.
    - AutoencoderTransformer: minus the row's mean squared reconstruction error. Not a
      likelihood and not in nats: never compare it with the other two.

    On weather, for n_components=3, the RainTomorrow ROC-AUC of the code (the demo's
    protocol): every row is encoded by the model fitted on the training rows, then a
    LogisticRegression(max_iter=1000) is trained on a stratified 70% split of the codes
    (random_state=0) and scored on the other 30%.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import (
    DEFAULT_DATA_DIR,
    RESULTS_DIR,
    fmt,
    machine_info,
    markdown_table,
    weather_matrix,
    write_json,
)
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sk_autoencoder import AutoencoderTransformer, VAEGenerator

SCORE_KIND = {
    "PCA": "log-lik, nats/row (exact)",
    "VAEGenerator": "ELBO, nats/row (lower bound)",
    "AutoencoderTransformer": "-MSE per row (NOT a likelihood)",
}
COMPONENTS = {"weather": (2, 3, 5, 8), "digits": (2, 8, 16)}


def make_model(name: str, k: int, seed: int):
    if name == "PCA":
        return PCA(n_components=k, random_state=seed)
    if name == "AutoencoderTransformer":
        return AutoencoderTransformer(n_components=k, random_state=seed)
    return VAEGenerator(n_components=k, random_state=seed)


def reconstruct(model, X: np.ndarray) -> np.ndarray:
    return model.inverse_transform(model.transform(X))


def rain_auc(codes: np.ndarray, y: np.ndarray) -> float:
    Z_tr, Z_te, y_tr, y_te = train_test_split(codes, y, test_size=0.3, random_state=0, stratify=y)
    clf = LogisticRegression(max_iter=1000).fit(Z_tr, y_tr)
    return float(roc_auc_score(y_te, clf.predict_proba(Z_te)[:, 1]))


def load(name: str, data_dir: Path, seed: int, max_rows: int | None):
    if name == "weather":
        X, y, _, source = weather_matrix(data_dir)
    else:
        digits = load_digits()
        X, y, source = (digits.data / 16.0).astype(np.float32), digits.target, "sklearn digits"
    if max_rows is not None and len(X) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
        X, y = X[keep], y[keep]
    return X, y, source


def run(args) -> dict:
    results, sources = [], {}
    for data in ("weather", "digits"):
        X, y, sources[data] = load(data, args.data_dir, args.seed, args.max_rows)
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.2, random_state=args.seed, stratify=y
        )
        print(
            f"{data}: {X.shape[0]:,} rows x {X.shape[1]} columns "
            f"(train {len(X_tr):,}, test {len(X_te):,})",
            flush=True,
        )
        for k in COMPONENTS[data]:
            for name in ("PCA", "AutoencoderTransformer", "VAEGenerator"):
                print(f"  fitting {name}(n_components={k}) ...", end=" ", flush=True)
                model = make_model(name, k, args.seed)
                t0 = time.perf_counter()
                model.fit(X_tr)
                fit_s = time.perf_counter() - t0
                row = {
                    "data": data,
                    "method": name,
                    "n_components": k,
                    "fit_seconds": fit_s,
                    "train_mse": float(np.mean((reconstruct(model, X_tr) - X_tr) ** 2)),
                    "test_mse": float(np.mean((reconstruct(model, X_te) - X_te) ** 2)),
                    "test_score_samples_mean": float(np.mean(model.score_samples(X_te))),
                    "score_samples_kind": SCORE_KIND[name],
                    "epochs": len(model.history_) if hasattr(model, "history_") else None,
                    "rain_tomorrow_auc": None,
                }
                if data == "weather" and k == 3:
                    row["rain_tomorrow_auc"] = rain_auc(model.transform(X), y)
                results.append(row)
                print(f"{fit_s:.1f} s, test MSE {row['test_mse']:.4f}", flush=True)
    return {"results": results, "sources": sources}


def table(results: list) -> str:
    rows = [
        [
            r["data"],
            r["method"],
            r["n_components"],
            fmt(r["fit_seconds"], ".1f"),
            r["epochs"] if r["epochs"] is not None else "-",
            fmt(r["train_mse"]),
            fmt(r["test_mse"]),
            fmt(r["test_score_samples_mean"], ".3f"),
            r["score_samples_kind"],
            fmt(r["rain_tomorrow_auc"], ".3f"),
        ]
        for r in results
    ]
    header = [
        "data",
        "method",
        "k",
        "fit s",
        "epochs",
        "train MSE",
        "test MSE",
        "test mean score_samples",
        "score_samples is",
        "RainTomorrow AUC",
    ]
    return markdown_table(header, rows, align="llrrrrrrlr")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "pca_comparison.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-rows", type=int, default=None, help="subsample each data set (smoke runs)"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    out = run(args)
    text = table(out["results"])
    print()
    print(text)
    payload = {
        "benchmark": "pca_comparison",
        "machine": machine_info(),
        "settings": {
            "seed": args.seed,
            "test_size": 0.2,
            "max_rows": args.max_rows,
            "components": COMPONENTS,
            "models": "defaults, random_state=seed, loss='mse'",
        },
        "sources": out["sources"],
        "score_samples_kind": SCORE_KIND,
        "results": out["results"],
        "table_markdown": text,
        "total_seconds": time.perf_counter() - t0,
    }
    path = write_json(payload, args.out)
    print(f"\nwrote {path} ({payload['total_seconds']:.0f} s in all)")
    return payload


if __name__ == "__main__":
    main()
