"""Mixed precision: the conv denoiser trained in float32 and under bfloat16 autocast.

    python benchmarks/mixed_precision.py [--data-dir ../shared/data] [--n-train 12800]
        [--epochs 2] [--threads 2] [--out benchmarks/results/mixed_precision.json]

The default conv denoiser of ``benchmarks/images.py`` (``AutoencoderTransformer(
architecture="conv", image_shape=(1, 28, 28), noise="gaussian", noise_level=0.5,
random_state=0)``, its automatic batch size and one-cycle schedule) on the first ``--n-train``
MNIST training images for ``--epochs`` epochs, all rows trained (no hold-out), once with
``mixed_precision=False`` and once with ``mixed_precision=True``, after a short warm-up fit.
Reported: training rows/s (epochs x rows / fit seconds), the last epoch's training loss and the
denoising PSNR (sigma 0.5) on the first 500 test images. ``mixed_precision="auto"`` (the default)
picks bfloat16 for conv models where the hardware computes in it natively (CUDA GPUs that
support it, CPUs with AVX512-BF16 or AMX); on other CPUs bfloat16 is emulated and slower.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from _common import DEFAULT_DATA_DIR, RESULTS_DIR, fmt, machine_info, markdown_table, write_json
from images import SIGMA, add_gaussian_noise, default_denoiser, load_images, psnr

from sk_autoencoder import AutoencoderTransformer


def _model(epochs: int, mixed_precision: bool) -> AutoencoderTransformer:
    return default_denoiser(
        max_epochs=epochs,
        train_split=None,
        early_stopping=False,
        mixed_precision=mixed_precision,
        verbose=0,
    )


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--n-train", type=int, default=12800)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR / "mixed_precision.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    X_train, _ = load_images(args.data_dir, "mnist", "train", args.n_train)
    X_test, _ = load_images(args.data_dir, "mnist", "t10k", 500)
    noisy = add_gaussian_noise(X_test, SIGMA, 0)
    _model(1, True).fit(X_train[:512])  # warm-up: kernels and allocator, not timed
    _model(1, False).fit(X_train[:512])

    rows = []
    for mixed in (False, True):
        model = _model(args.epochs, mixed)
        start = time.perf_counter()
        model.fit(X_train)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "mixed_precision": mixed,
                "fit_seconds": seconds,
                "rows_per_s": args.epochs * len(X_train) / seconds,
                "train_loss": float(model.history[-1, "train_loss"]),
                "psnr_db": float(psnr(X_test, model.denoise(noisy)).mean()),
            }
        )
    base = rows[0]["rows_per_s"]
    table = [
        [
            "bfloat16 autocast" if r["mixed_precision"] else "float32",
            f"{r['rows_per_s']:,.0f} ({r['rows_per_s'] / base:.2f}x)",
            fmt(r["train_loss"], ".5f"),
            fmt(r["psnr_db"], ".2f"),
        ]
        for r in rows
    ]
    print(
        f"\n## Conv denoiser, {len(X_train):,} MNIST images, {args.epochs} epochs, "
        f"{args.threads} threads"
    )
    print(
        markdown_table(
            ["precision", "rows/s", "last train loss", "PSNR (dB, 500 test images)"],
            table,
            align="lrrr",
        )
    )
    payload = {
        "machine": machine_info(),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "results": rows,
    }
    print(f"wrote {write_json(payload, args.out)}")
    return payload


if __name__ == "__main__":
    main()
