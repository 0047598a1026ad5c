"""Image benchmarks: denoising vs classical filters, VAE likelihood on binarised MNIST, and
reconstruction vs PCA.

Usage (from the repository root)::

    python benchmarks/images.py [--part denoise|likelihood|pca|all] [--quick] \
        [--data-dir ../shared/data] [--out benchmarks/results/images.json] \
        [--time-budget 900] [--vae-time-budget 1800] [--k 1000] [--threads 2] [--seed 0]

Data: the original IDX files of MNIST and Fashion-MNIST in ``<data-dir>/mnist`` and
``<data-dir>/fashion-mnist`` (read with ``sk_autoencoder.datasets.load_idx``), pixels scaled
to [0, 1] with ``ImageScaler``. Every model is trained on the 60,000 training images and
evaluated on the first images of the test set; nothing is tuned on test images except where
a row says so.

Parts
    denoise     Additive Gaussian noise, sigma = 0.5 on the [0, 1] scale, clipped to [0, 1],
                drawn from ``numpy.random.default_rng(seed)``; PSNR of each image with data
                range 1 (``10 log10(1 / MSE)``), averaged over the first 1,000 test images of
                MNIST and Fashion-MNIST. Rows: the noisy input itself; median filters 3x3 and
                5x5 and Gaussian filters of a few widths (``scipy.ndimage``, reflected
                borders), each filter and the best of them (best = chosen on these test
                images, so an optimistic baseline); and
                ``AutoencoderTransformer(architecture="conv", image_shape=(1, 28, 28),
                noise="gaussian", noise_level=0.5, random_state=seed)`` trained on the clean
                training images, applied with ``.denoise(noisy)``, with its training time.
                Writes ``docs/denoising_mnist.png`` (clean / noisy / denoised rows).
    likelihood  Dynamically binarised MNIST: the grey levels are the Bernoulli means and every
                training batch is redrawn as fresh 0/1 pixels (the ``DynamicBinarization``
                callback below), so each epoch sees new samples. ``VAEGenerator(loss="bce",
                image_shape=(1, 28, 28), n_importance_samples=k)``; the test NLL is
                ``-score_samples`` (importance-weighted bound with k draws per image, in
                nats) on the first 2,000 test images binarised once with a fixed seed.
                ``PCA.score_samples`` of the same 0/1 images (PCA fitted on one fixed
                binarisation of the training images, same number of components) is printed
                beside it for orientation only: it is a Gaussian density, not a probability
                of discrete pixels, so the two numbers are not on the same footing.
                Writes ``docs/vae_samples_mnist.png`` (64 samples).
    pca         Fashion-MNIST test reconstruction MSE (mean over pixels, [0, 1] scale, all
                10,000 test images) of ``AutoencoderTransformer(architecture="conv",
                image_shape=(1, 28, 28), n_components=k)`` and ``PCA(n_components=k)`` for
                k = 16 and 32.

Training time
    ``--time-budget`` (seconds, every AutoencoderTransformer) and ``--vae-time-budget`` (the
    VAE) cap training: one epoch is timed first (a probe fit stopped after its first epoch,
    which also tells the number of epochs of ``max_epochs="auto"``); if the automatic
    schedule fits in the budget it is used unchanged, otherwise ``max_epochs`` becomes the
    number of epochs that fit (the one-cycle learning-rate schedule then spans those
    epochs). Reported times are of the final fit only (the probe is reported separately).

``--quick`` is a smoke run at tiny sizes (1,000 training images, 100 test images, k = 32,
budgets of 10 s); its figures go next to the JSON file, not into ``docs/``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
from _common import (
    DEFAULT_DATA_DIR,
    REPO_ROOT,
    RESULTS_DIR,
    fmt,
    machine_info,
    markdown_table,
    write_json,
)
from scipy import ndimage
from sklearn.base import clone
from sklearn.decomposition import PCA
from skorch.callbacks import Callback

from sk_autoencoder import AutoencoderTransformer, ImageScaler, VAEGenerator
from sk_autoencoder.datasets import load_idx

IMAGE_SHAPE = (1, 28, 28)
SIGMA = 0.5
DATASETS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
MEDIAN_SIZES = (3, 5)
GAUSSIAN_SIGMAS = (0.5, 0.75, 1.0, 1.5)
PCA_COMPONENTS = (16, 32)
# Full-run sizes; --quick replaces them.
FULL = dict(n_train=None, n_test_denoise=1000, n_test_likelihood=2000, n_test_pca=None, k=1000)
QUICK = dict(n_train=1000, n_test_denoise=100, n_test_likelihood=100, n_test_pca=100, k=32)
# Test images scored per score_samples call: bounds memory (images x draws decoded at once);
# the scores do not depend on how the images are grouped.
SCORE_CHUNK = 50


# ------------------------------------------------------------------------------ data


def load_images(data_dir: Path, dataset: str, split: str, n: int | None = None):
    """(X float32 (n, 28, 28) in [0, 1], y) of one split ("train" or "t10k")."""
    folder = Path(data_dir) / dataset
    images = folder / f"{split}-images-idx3-ubyte.gz"
    if not images.is_file():
        raise SystemExit(
            f"{images} not found: pass --data-dir, the folder holding {dataset}/ with the IDX "
            "files (train-images-idx3-ubyte.gz, t10k-images-idx3-ubyte.gz, ...)."
        )
    X = load_idx(images)[:n]
    y = load_idx(folder / f"{split}-labels-idx1-ubyte.gz")[:n]
    return ImageScaler().fit_transform(X), y


def add_gaussian_noise(X: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """``clip(X + sigma * N(0, 1), 0, 1)`` with seeded noise, float32."""
    noise = np.random.default_rng(seed).standard_normal(X.shape)
    return np.clip(X + sigma * noise, 0.0, 1.0).astype(np.float32)


def binarise(X: np.ndarray, seed: int) -> np.ndarray:
    """One Bernoulli draw per pixel with the grey level as probability, float32 0/1."""
    return (np.random.default_rng(seed).random(X.shape) < X).astype(np.float32)


def psnr(clean: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """PSNR of each image in dB with data range 1: ``10 log10(1 / MSE)``."""
    n = len(clean)
    diff = clean.reshape(n, -1).astype(np.float64) - estimate.reshape(n, -1).astype(np.float64)
    return 10 * np.log10(1.0 / np.mean(diff**2, axis=1))


# ------------------------------------------------------------------------------ training


class DynamicBinarization(Callback):
    """Redraw each training batch as Bernoulli samples of its grey levels (in place).

    Training batches are slices of a per-epoch shuffled copy of the data, so the grey levels
    the model was given stay intact and every epoch draws new 0/1 images. Validation batches
    are left as grey levels: the cross-entropy is linear in the target, so the validation
    reconstruction term is the expected value over binarisations. A batch that is already
    all 0/1 means the batches alias the stored data (the grey levels would be lost after the
    first epoch); that is an error rather than a silent fixed binarisation.
    """

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        Xi = batch[0]
        if not bool(((Xi > 0) & (Xi < 1)).any()):
            raise RuntimeError(
                "DynamicBinarization got a batch without grey levels: the training batches "
                "share memory with the stored data, so binarising them in place would "
                "overwrite it. Train on grey levels in [0, 1] with in-memory batching."
            )
        Xi.copy_(torch.bernoulli(Xi))


class StopAfterFirstEpoch(Callback):
    """Stop training after one epoch (skorch stops on KeyboardInterrupt, as its
    EarlyStopping does)."""

    def on_epoch_end(self, net, **kwargs):
        raise KeyboardInterrupt


class TimeLimit(Callback):
    """Stop training at the end of the epoch after which the next one would end past
    ``seconds`` (a guard for when epochs run slower than the probe measured, e.g. on a busy
    machine). A stop is recorded in the history as ``stopped_by_time_limit``."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        elapsed = time.perf_counter() - self.start_
        if elapsed + float(net.history[-1, "dur"]) > self.seconds:
            net.history.record("stopped_by_time_limit", True)  # kept with the fitted model
            raise KeyboardInterrupt


def fit_within_budget(model, X: np.ndarray, budget_s: float) -> tuple:
    """Fit ``model`` on ``X`` within about ``budget_s`` seconds of training.

    A probe (a clone stopped after its first epoch) measures the epoch time and the number of
    epochs of the automatic schedule; ``max_epochs`` is lowered to what fits the budget when
    needed. A :class:`TimeLimit` at 110% of the budget stops a fit whose epochs turn out
    slower than the probe's. Returns ``(fitted model, info)``.
    """
    probe = clone(model)
    probe.callbacks = [*(model.callbacks or []), ("stop_after_first", StopAfterFirstEpoch())]
    start = time.perf_counter()
    probe.fit(X)
    probe_s = time.perf_counter() - start
    epoch_s = float(probe.history[-1, "dur"])
    # The epochs that max_epochs="auto" resolved to for these data (private; None if gone).
    auto_epochs = getattr(probe, "_max_epochs", None) if model.max_epochs == "auto" else None
    planned = model.max_epochs if model.max_epochs != "auto" else auto_epochs
    fits = max(1, int(budget_s // epoch_s))
    info = {
        "probe_seconds": probe_s,
        "probe_epoch_seconds": epoch_s,
        "time_budget_seconds": budget_s,
        "auto_epochs": auto_epochs,
    }
    if planned is None or planned > fits:
        model.set_params(max_epochs=fits)
        info["max_epochs"] = fits
        info["max_epochs_note"] = f"capped to the {budget_s:.0f} s budget"
    else:
        info["max_epochs"] = model.max_epochs
    model.set_params(
        callbacks=[*(model.callbacks or []), ("time_limit", TimeLimit(1.1 * budget_s))]
    )
    start = time.perf_counter()
    model.fit(X)
    info["fit_seconds"] = time.perf_counter() - start
    info["epochs_trained"] = len(model.history)
    info["stopped_by_time_limit"] = bool(model.history[-1].get("stopped_by_time_limit", False))
    monitor = "valid_loss" if "valid_loss" in model.history[-1] else "train_loss"
    losses = [row.get(monitor, math.nan) for row in model.history]
    info["best_epoch"] = int(np.nanargmin(losses)) + 1
    info[f"best_{monitor}"] = float(np.nanmin(losses))
    return model, info


def _model_params(model) -> dict:
    keep = (
        "architecture",
        "image_shape",
        "n_components",
        "noise",
        "noise_level",
        "loss",
        "max_epochs",
        "n_importance_samples",
        "random_state",
    )
    params = model.get_params()
    out = {k: params[k] for k in keep if k in params}
    if "image_shape" in out and out["image_shape"] is not None:
        out["image_shape"] = list(out["image_shape"])
    if hasattr(model, "n_components_"):
        out["n_components_"] = int(model.n_components_)
    return out


def _figures_dir(args) -> Path:
    return Path(args.out).parent if args.quick else REPO_ROOT / "docs"


def _figure_name(args, name: str) -> str:
    return f"{name}_quick.png" if args.quick else f"{name}.png"


# ------------------------------------------------------------------------------ parts


def classical_rows(clean: np.ndarray, noisy: np.ndarray) -> list[dict]:
    rows = [{"method": "noisy input", "psnr_db": float(psnr(clean, noisy).mean())}]
    filters = [
        (f"median filter {n}x{n}", lambda X, n=n: ndimage.median_filter(X, size=(1, n, n)))
        for n in MEDIAN_SIZES
    ] + [
        (f"Gaussian filter sigma={s}", lambda X, s=s: ndimage.gaussian_filter(X, sigma=(0, s, s)))
        for s in GAUSSIAN_SIGMAS
    ]
    for method, apply in filters:
        start = time.perf_counter()
        out = apply(noisy)
        rows.append(
            {
                "method": method,
                "psnr_db": float(psnr(clean, out).mean()),
                "seconds": time.perf_counter() - start,
            }
        )
    best = max(rows[1:], key=lambda r: r["psnr_db"])
    rows.append(
        {
            "method": f"best filter on these test images ({best['method']})",
            "psnr_db": best["psnr_db"],
        }
    )
    return rows


def default_denoiser(random_state: int = 0, **params) -> AutoencoderTransformer:
    """The conv denoiser the benchmarks measure: the estimator's defaults but for the noise
    (Gaussian, ``SIGMA``); ``params`` override or add settings."""
    return AutoencoderTransformer(
        architecture="conv",
        image_shape=IMAGE_SHAPE,
        noise="gaussian",
        noise_level=SIGMA,
        random_state=random_state,
        **params,
    )


def part_denoise(args, sizes) -> dict:
    from sk_autoencoder.plotting import plot_reconstructions

    results = {}
    for dataset, title in DATASETS.items():
        if args.datasets and dataset not in args.datasets:
            continue
        X_train, _ = load_images(args.data_dir, dataset, "train", sizes["n_train"])
        X_test, _ = load_images(args.data_dir, dataset, "t10k", sizes["n_test_denoise"])
        noisy = add_gaussian_noise(X_test, SIGMA, args.seed)
        rows = classical_rows(X_test, noisy)
        entry = {"n_train": len(X_train), "n_test": len(X_test), "rows": rows}
        if not args.classical_only:
            model = default_denoiser(random_state=args.seed)
            model, info = fit_within_budget(model, X_train, args.time_budget)
            start = time.perf_counter()
            denoised = model.denoise(noisy)
            info["denoise_seconds"] = time.perf_counter() - start
            assert denoised.shape == noisy.shape
            rows.append(
                {
                    "method": "AutoencoderTransformer(conv, gaussian 0.5)",
                    "psnr_db": float(psnr(X_test, denoised).mean()),
                    "seconds": info["fit_seconds"],
                }
            )
            entry["model"] = {"params": _model_params(model), **info}
            if dataset == "mnist":
                fig = plot_reconstructions(
                    X_test,
                    denoised,
                    noisy,
                    n=10,
                    row_labels=["clean", f"noisy (sigma {SIGMA})", "denoised"],
                    title=f"{title}: conv denoising autoencoder",
                )
                path = _figures_dir(args) / _figure_name(args, "denoising_mnist")
                path.parent.mkdir(parents=True, exist_ok=True)
                fig.savefig(path, dpi=100)
                entry["figure"] = str(path)
        results[dataset] = entry
        print(f"\n## Denoising {title}, sigma {SIGMA}: mean PSNR over {len(X_test)} test images")
        print(
            markdown_table(
                ["method", "PSNR (dB)", "seconds"],
                [
                    [r["method"], fmt(r["psnr_db"], ".2f"), fmt(r.get("seconds"), ".1f")]
                    for r in rows
                ],
                "lrr",
            ),
            flush=True,
        )
    return results


def part_likelihood(args, sizes) -> dict:
    from sk_autoencoder.plotting import plot_image_grid

    X_train, _ = load_images(args.data_dir, "mnist", "train", sizes["n_train"])
    X_test, _ = load_images(args.data_dir, "mnist", "t10k", sizes["n_test_likelihood"])
    test_bin = binarise(X_test, args.seed).reshape(len(X_test), -1)
    k = sizes["k"] if args.k is None else args.k
    model = VAEGenerator(
        n_components=args.vae_components,
        hidden_layer_sizes=None if args.vae_hidden is None else tuple(args.vae_hidden),
        batch_size=args.vae_batch_size,
        max_epochs=args.vae_max_epochs,
        architecture=args.vae_architecture,
        image_shape=IMAGE_SHAPE,
        loss="bce",
        n_importance_samples=k,
        callbacks=[("dynamic_binarization", DynamicBinarization())],
        random_state=args.seed,
    )
    grey_before = float(X_train.sum())
    model, info = fit_within_budget(model, X_train.reshape(len(X_train), -1), args.vae_time_budget)
    if float(X_train.sum()) != grey_before:
        raise RuntimeError("training changed the grey-level images in place")
    start = time.perf_counter()
    scores = np.concatenate(
        [
            model.score_samples(test_bin[i : i + SCORE_CHUNK])
            for i in range(0, len(test_bin), SCORE_CHUNK)
        ]
    )
    info["score_seconds"] = time.perf_counter() - start
    nll = float(-scores.mean())
    n_pca = int(model.n_components_)
    train_bin = binarise(X_train, args.seed + 1).reshape(len(X_train), -1)
    pca = PCA(n_components=n_pca, random_state=args.seed).fit(train_bin)
    pca_nll = float(-pca.score_samples(test_bin).mean())

    fig = plot_image_grid(
        model.sample(64, random_state=args.seed),
        n_cols=8,
        image_shape=IMAGE_SHAPE,
        title="VAEGenerator samples (MNIST)",
    )
    path = _figures_dir(args) / _figure_name(args, "vae_samples_mnist")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)

    rows = [
        [
            f"VAEGenerator({args.vae_architecture}), -score_samples, k={k}",
            fmt(nll, ".2f"),
            fmt(info["fit_seconds"], ".0f"),
        ],
        [
            f"PCA({n_pca}), -score_samples (Gaussian density, orientation only)",
            fmt(pca_nll, ".2f"),
            "-",
        ],
    ]
    print(
        f"\n## Likelihood, dynamically binarised MNIST: test NLL (nats) on the first "
        f"{len(test_bin)} test images (fixed binarisation, seed {args.seed})"
    )
    print(markdown_table(["model", "NLL (nats)", "train seconds"], rows, "lrr"), flush=True)
    return {
        "n_train": len(X_train),
        "n_test": len(test_bin),
        "k": k,
        "test_nll_nats": nll,
        "test_nll_std_nats": float(scores.std()),
        "pca_n_components": n_pca,
        "pca_nll_nats": pca_nll,
        "model": {"params": _model_params(model), **info},
        "figure": str(path),
    }


def part_pca(args, sizes) -> dict:
    X_train, _ = load_images(args.data_dir, "fashion-mnist", "train", sizes["n_train"])
    X_test, _ = load_images(args.data_dir, "fashion-mnist", "t10k", sizes["n_test_pca"])
    train, test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    results, rows = {}, []
    for k in PCA_COMPONENTS:
        start = time.perf_counter()
        pca = PCA(n_components=k, random_state=args.seed).fit(train)
        pca_s = time.perf_counter() - start
        pca_mse = float(np.mean((pca.inverse_transform(pca.transform(test)) - test) ** 2))
        model = AutoencoderTransformer(
            architecture="conv", image_shape=IMAGE_SHAPE, n_components=k, random_state=args.seed
        )
        model, info = fit_within_budget(model, train, args.time_budget)
        ae_mse = float(np.mean((model.denoise(test) - test) ** 2))
        results[str(k)] = {
            "pca_mse": pca_mse,
            "pca_fit_seconds": pca_s,
            "autoencoder_mse": ae_mse,
            "model": {"params": _model_params(model), **info},
        }
        rows.append([k, fmt(pca_mse, ".5f"), fmt(ae_mse, ".5f"), fmt(info["fit_seconds"], ".0f")])
    print(
        f"\n## Fashion-MNIST reconstruction MSE ([0, 1] pixels, {len(test)} test images, "
        f"{len(train)} training images)"
    )
    print(
        markdown_table(
            ["n_components", "PCA", "AutoencoderTransformer(conv)", "AE train seconds"],
            rows,
            "rrrr",
        ),
        flush=True,
    )
    return {"n_train": len(train), "n_test": len(test), "by_n_components": results}


# ------------------------------------------------------------------------------ main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=None, help="JSON results path")
    ap.add_argument("--part", choices=["denoise", "likelihood", "pca", "all"], default="all")
    ap.add_argument("--quick", action="store_true", help="tiny smoke run")
    ap.add_argument("--classical-only", action="store_true", help="denoise part: the filters only")
    ap.add_argument("--time-budget", type=float, default=None, help="seconds per AE fit")
    ap.add_argument("--vae-time-budget", type=float, default=None, help="seconds for the VAE")
    ap.add_argument("--k", type=int, default=None, help="importance samples per test image")
    ap.add_argument("--vae-architecture", choices=["conv", "mlp"], default="conv")
    ap.add_argument(
        "--vae-max-epochs",
        default="auto",
        type=lambda s: s if s == "auto" else int(s),
        help="epochs of the VAE (default: the estimator's automatic schedule)",
    )
    ap.add_argument(
        "--datasets", nargs="*", choices=sorted(DATASETS), default=None, help="denoise part"
    )
    ap.add_argument("--vae-components", default="auto", type=lambda s: s if s == "auto" else int(s))
    ap.add_argument(
        "--vae-hidden",
        type=int,
        nargs="*",
        default=None,
        help="VAE hidden_layer_sizes (MLP widths or conv channels; default: automatic)",
    )
    ap.add_argument(
        "--vae-batch-size",
        default="auto",
        type=lambda s: s if s == "auto" else int(s),
        help="VAE batch_size (default: automatic)",
    )
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    sizes = QUICK if args.quick else FULL
    if args.time_budget is None:
        args.time_budget = 10.0 if args.quick else 900.0
    if args.vae_time_budget is None:
        args.vae_time_budget = 10.0 if args.quick else 1800.0
    if args.out is None:
        args.out = RESULTS_DIR / ("images_quick.json" if args.quick else "images.json")
    torch.set_num_threads(args.threads)

    payload = {
        "machine": machine_info(),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "sizes": sizes,
    }
    parts = ["denoise", "likelihood", "pca"] if args.part == "all" else [args.part]
    runners = {"denoise": part_denoise, "likelihood": part_likelihood, "pca": part_pca}
    for part in parts:
        payload[part] = runners[part](args, sizes)
        write_json(payload, args.out)  # after every part, so a long run keeps what it has
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
