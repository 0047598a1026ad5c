"""End-to-end demo on the bundled "Rain in Australia" weather table.

Run it with::

    python -m sk_autoencoder.demo [--out demo_output] [--sample N] [--seed 0]

(a) Fits ``make_tabular_pipeline(AutoencoderTransformer(n_components=3))`` on every row and
    every feature column of the table - station, wind directions and missing values included,
    nothing dropped - and writes ``embedding_3d.png`` (PCA's 3-D embedding beside the 3-D code,
    coloured by RainTomorrow), ``loss_curves.png``, ``report.html`` (:func:`report`:
    interactive, self-contained) and ``summary.json`` to ``--out``.
(b) Prints a comparison on the usual tutorial setting (the 17 standardised numeric columns of
    the 58,090 complete rows): the tutorial's hand-written torch autoencoder, ``PCA(3)`` and
    ``AutoencoderTransformer(n_components=3)`` - reconstruction MSE, fit time, and the ROC-AUC
    of a logistic regression predicting RainTomorrow from the 3-D code.

Needs pandas, matplotlib and plotly (``pip install sk_autoencoder[all]``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ._version import __version__
from .autoencoder import AutoencoderTransformer
from .datasets import WEATHER_TUTORIAL_DROP, load_weather_aus, weather_tutorial_matrix
from .preprocessing import make_tabular_pipeline

#: Columns of the weather table that are not features in part (a).
NON_FEATURES = ("Date", "RainTomorrow")
LABEL = "RainTomorrow"
UNKNOWN = "unknown"
PALETTE = {"No": "tab:blue", "Yes": "tab:orange", UNKNOWN: "lightgrey"}
N_COMPONENTS = 3


def _say(msg: str) -> None:
    print(msg, flush=True)


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m sk_autoencoder.demo",
        description="Autoencoder demo on the bundled 'Rain in Australia' weather table.",
    )
    parser.add_argument("--out", default="demo_output", help="output folder (default: %(default)s)")
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="use a random subset of N rows (quick runs); default: every row",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.sample is not None and args.sample < 50:
        parser.error("--sample must be at least 50 rows")
    return args


# --------------------------------------------------------------------------- part (a)


def _reconstruction_metrics(pipe, Xp: np.ndarray, codes: np.ndarray) -> dict:
    """How well the preprocessed matrix is reconstructed from the 3-D code, per block kind."""
    pre, ae = pipe[0], pipe[-1]
    recon = ae.inverse_transform(codes)  # probabilities for binary / one-hot blocks
    sq_obs, n_obs, sq_all, n_all = 0.0, 0, 0.0, 0
    for col in pre.numeric_columns_:
        start, stop = pre.column_slices_[col]
        err = (recon[:, start] - Xp[:, start]).astype(np.float64) ** 2
        observed = Xp[:, start + 1] < 0.5 if stop - start == 2 else np.ones(len(Xp), bool)
        sq_all += err.sum()
        n_all += err.size
        sq_obs += err[observed].sum()
        n_obs += int(observed.sum())
    categorical = {}
    for col in pre.categorical_columns_:
        start, stop = pre.column_slices_[col]
        hit = recon[:, start:stop].argmax(1) == Xp[:, start:stop].argmax(1)
        categorical[str(col)] = round(float(hit.mean()), 4)
    indicator_hits = []
    for kind, start, stop in pre.feature_blocks_:
        if kind == "binary":
            indicator_hits.append((recon[:, start:stop] > 0.5) == (Xp[:, start:stop] > 0.5))
    indicator_acc = float(np.concatenate(indicator_hits, axis=1).mean()) if indicator_hits else None
    return {
        "mean_training_loss_per_value": float(ae.reconstruction_error(Xp).mean()),
        "numeric_mse_standardised": sq_all / max(n_all, 1),
        "numeric_mse_standardised_observed_only": sq_obs / max(n_obs, 1),
        "missing_indicator_accuracy": indicator_acc,
        "categorical_accuracy": categorical,
        "categorical_accuracy_mean": float(np.mean(list(categorical.values())))
        if categorical
        else None,
    }


def _full_table(df, out: Path, seed: int) -> dict:
    from sklearn.decomposition import PCA

    from .plotting import plot_embeddings_side_by_side, plot_loss_curves
    from .reports import report

    features = df.drop(columns=list(NON_FEATURES))
    labels = df[LABEL].astype(object).where(df[LABEL].notna(), UNKNOWN).to_numpy()
    n, d = features.shape
    pipe = make_tabular_pipeline(
        AutoencoderTransformer(n_components=N_COMPONENTS, random_state=seed)
    )
    _say(
        f"[a] fitting TabularPreprocessor + AutoencoderTransformer(n_components={N_COMPONENTS}) "
        f"on {n:,} rows x {d} columns (every column but {', '.join(NON_FEATURES)}; "
        f"{int(features.isna().to_numpy().sum()):,} missing values kept) ..."
    )
    t0 = time.perf_counter()
    pipe.fit(features)
    fit_s = time.perf_counter() - t0
    pre, ae = pipe[0], pipe[-1]
    history = ae.history_
    epochs = len(history)
    batch_size = int(history[0]["batches"][0]["train_batch_size"])
    hidden = [m.out_features for m in ae.module_.encoder if hasattr(m, "out_features")][:-1]
    _say(
        f"    done in {fit_s:.1f} s: {pre.n_features_out_} encoded columns "
        f"({len(pre.categorical_columns_)} categorical columns one-hot encoded), "
        f"hidden layers {hidden}, batch size {batch_size}, {epochs} epochs"
    )
    _say("[a] encoding every row and measuring the reconstruction ...")
    Xp = pre.transform(features)
    codes = ae.transform(Xp)
    metrics = _reconstruction_metrics(pipe, Xp, codes)
    decoded = pipe.inverse_transform(codes[:1])  # back to a DataFrame with the original columns

    _say("[a] drawing embedding_3d.png (PCA beside the autoencoder) and loss_curves.png ...")
    import matplotlib.pyplot as plt

    pca = PCA(N_COMPONENTS, random_state=seed).fit(Xp)
    fig = plot_embeddings_side_by_side(
        {f"PCA({N_COMPONENTS})": pca.transform(Xp), "AutoencoderTransformer code": codes},
        labels,
        label_name=LABEL,
        palette=PALETTE,
        random_state=seed,
        zoom_quantile=0.02,
        axis_labels={f"PCA({N_COMPONENTS})": ["PC 1", "PC 2", "PC 3"]},
        title=f"Weather table: 3-D embeddings of {n:,} rows x {d} columns",
    )
    fig.savefig(out / "embedding_3d.png", dpi=100)
    plt.close(fig)
    fig = plot_loss_curves(
        pipe, title=f"AutoencoderTransformer on the weather table ({n:,} rows x {d} columns)"
    )
    fig.savefig(out / "loss_curves.png", dpi=110)
    plt.close(fig)
    _say("[a] writing report.html (interactive: training, 3-D code beside PCA, columns) ...")
    t0 = time.perf_counter()
    size = report(pipe, features, labels, out / "report.html", random_state=seed).stat().st_size
    report_s = time.perf_counter() - t0
    _say(f"    done in {report_s:.1f} s ({size / 1e6:.1f} MB, opens offline)")

    last = history[-1]
    best = int(np.argmin([row.get("valid_loss", row["train_loss"]) for row in history]))
    return {
        "rows": int(n),
        "columns": int(d),
        "feature_columns": [str(c) for c in features.columns],
        "encoded_columns": int(pre.n_features_out_),
        "missing_values": int(features.isna().to_numpy().sum()),
        "label_counts": {str(k): int(v) for k, v in zip(*np.unique(labels, return_counts=True))},
        "estimator": f"AutoencoderTransformer(n_components={N_COMPONENTS}, random_state={seed})",
        "explicit_estimator_parameters": {},
        "hidden_layer_sizes": hidden,
        "batch_size": batch_size,
        "fit_seconds": round(fit_s, 2),
        "report_seconds": round(report_s, 2),
        "epochs": epochs,
        "best_epoch": best + 1,
        "final_train_loss": float(last["train_loss"]),
        "final_valid_loss": float(last["valid_loss"]) if "valid_loss" in last else None,
        "best_valid_loss": float(history[best].get("valid_loss", np.nan)),
        "reconstruction": metrics,
        "example_row": features.iloc[:1].astype(str).to_dict(orient="records")[0],
        "example_row_decoded_from_code": decoded.iloc[:1].astype(str).to_dict(orient="records")[0],
    }


# --------------------------------------------------------------------------- part (b)


def _tutorial_autoencoder(X: np.ndarray, seed: int):
    """The usual tutorial recipe: 17-16-3-16-17, ReLU, sigmoid output.

    20 full-batch Adam steps at lr 0.003 on the MSE. Returns (encode, reconstruct) functions.
    """
    import torch
    from torch import nn

    d = X.shape[1]
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, 3))
        decoder = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, d), nn.Sigmoid())
    net = nn.Sequential(encoder, decoder)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.003)
    for _ in range(20):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(net(Xt), Xt)
        loss.backward()
        optimizer.step()

    def encode(A):
        with torch.no_grad():
            return encoder(torch.from_numpy(A)).numpy()

    def reconstruct(A):
        with torch.no_grad():
            return net(torch.from_numpy(A)).numpy()

    return encode, reconstruct


def _rain_auc(codes: np.ndarray, y: np.ndarray, seed: int) -> float:
    """ROC-AUC of LogisticRegression(max_iter=1000) on the codes, 70/30 stratified split."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    try:
        Z_tr, Z_te, y_tr, y_te = train_test_split(
            codes, y, test_size=0.3, random_state=seed, stratify=y
        )
    except ValueError:  # too few rows of a class for a stratified split (tiny --sample)
        return float("nan")
    if len(np.unique(y_te)) < 2:
        return float("nan")
    clf = LogisticRegression(max_iter=1000).fit(Z_tr, y_tr)
    return float(roc_auc_score(y_te, clf.predict_proba(Z_te)[:, 1]))


def _tutorial_table(df, seed: int) -> dict:
    from sklearn.decomposition import PCA

    X, y, columns = weather_tutorial_matrix(df)
    _say(
        f"[b] tutorial setting: drop {', '.join(WEATHER_TUTORIAL_DROP)}, then incomplete rows "
        f"-> {X.shape[0]:,} rows x {X.shape[1]} standardised columns"
    )
    rows = []

    def run(name, fit):
        _say(f"[b] fitting {name} on {X.shape[0]:,} rows x {X.shape[1]} columns ...")
        t0 = time.perf_counter()
        encode, reconstruct = fit()
        fit_s = time.perf_counter() - t0
        mse = float(np.mean((reconstruct(X).astype(np.float64) - X) ** 2))
        auc = _rain_auc(encode(X), y, seed)
        rows.append({"method": name, "mse": mse, "fit_seconds": fit_s, "rain_auc": auc})

    run(
        "tutorial torch net 17-16-3-16-17 (20 Adam steps)",
        lambda: _tutorial_autoencoder(X, seed),
    )

    def fit_pca():
        pca = PCA(N_COMPONENTS, random_state=seed).fit(X)
        return pca.transform, lambda A: pca.inverse_transform(pca.transform(A))

    run(f"PCA({N_COMPONENTS})", fit_pca)

    def fit_ae():
        ae = AutoencoderTransformer(n_components=N_COMPONENTS, random_state=seed).fit(X)
        return ae.transform, lambda A: ae.inverse_transform(ae.transform(A))

    run(f"AutoencoderTransformer(n_components={N_COMPONENTS})", fit_ae)
    return {
        "rows": int(X.shape[0]),
        "columns": columns,
        "positive_rate": float(y.mean()),
        "auc_protocol": (
            "codes of every row from the unsupervised fit; LogisticRegression(max_iter=1000) "
            f"trained on a stratified 70% split and scored on 30% (random_state={seed})"
        ),
        "results": rows,
    }


def format_table(rows: list) -> str:
    """A markdown table of the part (b) results."""
    width = max(len(r["method"]) for r in rows)
    lines = [
        f"| {'method':<{width}} | MSE (17 cols) | fit s | RainTomorrow AUC |",
        f"|{'-' * (width + 2)}|--------------:|------:|-----------------:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']:<{width}} | {r['mse']:>13.4f} | {r['fit_seconds']:>5.1f} "
            f"| {r['rain_auc']:>16.3f} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv=None) -> dict:
    """Run the demo; returns the summary written to ``summary.json``."""
    args = _parse_args(argv)
    t_start = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    df = load_weather_aus()
    n_total = len(df)
    if args.sample is not None and args.sample < n_total:
        df = df.sample(n=args.sample, random_state=args.seed).sort_index()
        _say(f"Using a random sample of {len(df):,} of {n_total:,} rows (--sample).")
    _say(f"Loaded the bundled weather table: {df.shape[0]:,} rows x {df.shape[1]} columns.")

    part_a = _full_table(df, out, args.seed)
    part_b = _tutorial_table(df, args.seed)
    table = format_table(part_b["results"])
    _say("\nTutorial setting (17 standardised numeric columns of the complete rows):\n")
    _say(table)

    import sklearn
    import torch

    total_s = time.perf_counter() - t_start
    summary = {
        "package": "sk_autoencoder",
        "version": __version__,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": "python -m sk_autoencoder.demo "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "seed": args.seed,
        "sample": args.sample,
        "rows": part_a["rows"],
        "columns": part_a["columns"],
        "fit_seconds": part_a["fit_seconds"],
        "epochs": part_a["epochs"],
        "final_losses": {
            "train_loss": part_a["final_train_loss"],
            "valid_loss": part_a["final_valid_loss"],
            "best_valid_loss": part_a["best_valid_loss"],
            "best_epoch": part_a["best_epoch"],
        },
        "reconstruction": part_a["reconstruction"],
        "full_table": part_a,
        "tutorial_table": part_b,
        "tutorial_table_markdown": table,
        "total_seconds": round(total_s, 2),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "scikit_learn": sklearn.__version__,
        },
        "files": ["embedding_3d.png", "loss_curves.png", "report.html", "summary.json"],
    }
    with open(out / "summary.json", "w", encoding="utf-8") as fh:
        json.dump(_finite(summary), fh, indent=2, default=_json_default)
        fh.write("\n")
    _say(f"\nDone in {total_s:.1f} s. Files written to {out.resolve()}:")
    for name in summary["files"]:
        _say(f"  {out / name}")
    return summary


def _finite(value):
    """NaN and infinities -> None, so that summary.json is strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


if __name__ == "__main__":
    main()
