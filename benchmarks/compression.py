"""Image compression: ImageCodec against JPEG, WebP, PCA + zlib and a rounded-code floor.

Usage (from the repository root)::

    python benchmarks/compression.py --dataset fashion-mnist [--lmbdas 0.003 0.01 0.03 0.1] \
        [--max-epochs auto] [--no-floor] [--n-test 1000] [--data-dir ../shared/data] \
        [--out benchmarks/results/compression_fashion-mnist.json] [--quick]

Data: the IDX files of ``<data-dir>/<dataset>``; every model is trained on the 60,000 training
images and measured on the first ``--n-test`` test images (nothing is tuned on them).

Measures, per image: bits per pixel = 8 x (bytes needed to decode that image beyond a shared
model) / 784, and PSNR with data range 1 (``10 log10(1 / MSE)``, pixels in [0, 1]), both
averaged over the images.

Methods
    ImageCodec   ``ImageCodec(lmbda=l, random_state=0)`` (defaults but lmbda) for each
                 ``--lmbdas``; the blob of :meth:`compress` is the whole cost (header and check
                 included). Fit time, and encode / decode speed (images/s, whole test slice).
    JPEG         Pillow, grey-level baseline JPEG, quality 5..95: the whole file, and the scan
                 data alone (the bytes between the SOS segment and EOI; the headers, ~600 bytes,
                 dominate 28 x 28 images).
    WebP         Pillow, lossy, ``method=6``, quality 0..100, whole file.
    PCA-k        PCA fitted on the training images, codes divided by a step and rounded, int16,
                 ``zlib.compress(level 9)`` per image (the basis is shared, not counted).
    floor        ``AutoencoderTransformer(architecture="conv", n_components=k, max_epochs=6)``
                 (no rate term): codes divided by ``s`` x each dimension's training std,
                 rounded, their ideal code length under per-dimension histograms of the rounded
                 training codes (+1 smoothing); no header (an optimistic floor).
BD-rate (Bjontegaard): the mean bitrate difference at equal PSNR over the overlapping PSNR
range, from cubic fits of log(bpp) against PSNR (negative = ours needs fewer bits).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import time
import zlib
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
from PIL import Image
from sklearn.decomposition import PCA

from sk_autoencoder import AutoencoderTransformer, ImageCodec, save
from sk_autoencoder.datasets import load_idx

JPEG_QUALITIES = (5, 10, 20, 30, 50, 70, 90, 95)
WEBP_QUALITIES = (0, 10, 25, 50, 75, 90, 100)
PCA_SETUPS = ((32, (2.0, 1.0, 0.5)), (64, (2.0, 1.0, 0.5, 0.25)))
FLOOR_SETUPS = ((128, (2.0, 1.0, 0.5, 0.25)),)
PIXELS = 784


def load(data_dir: Path, dataset: str, split: str, n=None) -> np.ndarray:
    path = Path(data_dir) / dataset / f"{split}-images-idx3-ubyte.gz"
    if not path.is_file():
        raise SystemExit(f"{path} not found: pass --data-dir (the folder holding {dataset}/).")
    return load_idx(path)[:n]


def psnr(clean_u8: np.ndarray, decoded: np.ndarray) -> np.ndarray:
    a = clean_u8.reshape(len(clean_u8), -1).astype(np.float64) / 255
    b = decoded.reshape(len(decoded), -1).astype(np.float64)
    if decoded.dtype == np.uint8:
        b = b / 255
    return 10 * np.log10(1.0 / np.maximum(np.mean((a - b) ** 2, axis=1), 1e-12))


def point(name, param, nbytes, quality, **extra) -> dict:
    nbytes = np.asarray(nbytes, dtype=np.float64)
    return dict(
        method=name,
        param=param,
        bpp=float(np.mean(8 * nbytes / PIXELS)),
        psnr=float(np.mean(quality)),
        **extra,
    )


def jpeg_scan_bytes(data: bytes) -> int:
    """Bytes of the entropy-coded scan: after the SOS segment, before EOI."""
    sos = data.find(b"\xff\xda")
    length = int.from_bytes(data[sos + 2 : sos + 4], "big")
    return len(data) - (sos + 2 + length) - 2


def pillow_codec(X: np.ndarray, fmt_name: str, quality: int, **kw):
    blobs, out = [], np.empty_like(X)
    t0 = time.perf_counter()
    for img in X:
        buf = io.BytesIO()
        Image.fromarray(img, "L").save(buf, fmt_name, quality=quality, **kw)
        blobs.append(buf.getvalue())
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i, b in enumerate(blobs):
        out[i] = np.asarray(Image.open(io.BytesIO(b)).convert("L"))
    t_dec = time.perf_counter() - t0
    return blobs, out, len(X) / t_enc, len(X) / t_dec


def run_jpeg_webp(X_test: np.ndarray) -> list[dict]:
    rows = []
    for q in JPEG_QUALITIES:
        blobs, out, enc, dec = pillow_codec(X_test, "JPEG", q)
        quality = psnr(X_test, out)
        rows.append(
            point(
                "JPEG (whole file)",
                q,
                [len(b) for b in blobs],
                quality,
                encode_per_s=enc,
                decode_per_s=dec,
            )
        )
        rows.append(point("JPEG (scan data)", q, [jpeg_scan_bytes(b) for b in blobs], quality))
    for q in WEBP_QUALITIES:
        blobs, out, enc, dec = pillow_codec(X_test, "WEBP", q, method=6)
        rows.append(
            point(
                "WebP (whole file)",
                q,
                [len(b) for b in blobs],
                psnr(X_test, out),
                encode_per_s=enc,
                decode_per_s=dec,
            )
        )
    return rows


def run_pca(X_train: np.ndarray, X_test: np.ndarray) -> list[dict]:
    rows = []
    A = X_train.reshape(len(X_train), -1) / 255.0
    B = X_test.reshape(len(X_test), -1) / 255.0
    for k, steps in PCA_SETUPS:
        pca = PCA(n_components=k, random_state=0).fit(A)
        codes = pca.transform(B)
        for step in steps:
            q = np.round(codes / step).astype(np.int16)
            nbytes = [len(zlib.compress(row.tobytes(), 9)) for row in q]
            rec = np.clip(pca.inverse_transform(q * step), 0, 1)
            rows.append(point(f"PCA-{k} + zlib", step, nbytes, psnr(X_test, rec)))
    return rows


def run_floor(X_train: np.ndarray, X_test: np.ndarray) -> list[dict]:
    rows = []
    A, B = X_train.astype(np.float32) / 255, X_test.astype(np.float32) / 255
    for k, scales in FLOOR_SETUPS:
        t0 = time.perf_counter()
        ae = AutoencoderTransformer(
            architecture="conv",
            image_shape=(1, 28, 28),
            n_components=k,
            max_epochs=6,
            random_state=0,
        ).fit(A)
        fit_s = time.perf_counter() - t0
        train_codes, test_codes = ae.transform(A), ae.transform(B)
        std = train_codes.std(axis=0) + 1e-8
        for s in scales:
            step = s * std
            qt, qs = np.round(train_codes / step), np.round(test_codes / step)
            bits = np.zeros(len(qs))
            for d in range(k):
                lo = min(qt[:, d].min(), qs[:, d].min())
                hi = max(qt[:, d].max(), qs[:, d].max())
                counts = np.bincount((qt[:, d] - lo).astype(int), minlength=int(hi - lo) + 1) + 1
                p = counts / counts.sum()
                bits += -np.log2(p[(qs[:, d] - lo).astype(int)])
            rec = ae.inverse_transform(qs * step)
            rows.append(
                point(
                    f"rounded conv codes, k={k} (floor)",
                    s,
                    bits / 8,
                    psnr(X_test, rec),
                    fit_s=fit_s,
                )
            )
    return rows


def run_codec(X_train, X_test, lmbda, max_epochs, save_dir=None) -> tuple[dict, ImageCodec]:
    t0 = time.perf_counter()
    codec = ImageCodec(lmbda=lmbda, max_epochs=max_epochs, random_state=0).fit(X_train)
    fit_s = time.perf_counter() - t0
    if save_dir is not None:
        save(codec, Path(save_dir) / f"codec_lmbda{lmbda:g}", overwrite=True)
    t0 = time.perf_counter()
    blobs = codec.compress(X_test)
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = codec.decompress(blobs)
    t_dec = time.perf_counter() - t0
    assert out.dtype == np.uint8
    ideal = -codec.score_samples(X_test) / 8
    row = point(
        "ImageCodec",
        lmbda,
        [len(b) for b in blobs],
        psnr(X_test, out),
        fit_s=fit_s,
        epochs=len(codec.history_),
        encode_per_s=len(X_test) / t_enc,
        decode_per_s=len(X_test) / t_dec,
        mean_bytes=float(np.mean([len(b) for b in blobs])),
        ideal_code_bytes=float(np.mean(ideal)),
    )
    print(
        f"  ImageCodec lmbda={lmbda}: {row['bpp']:.3f} bpp, {row['psnr']:.2f} dB, "
        f"{fit_s:.0f} s, {row['epochs']} epochs",
        flush=True,
    )
    return row, codec


def _bd(ours: list[dict], ref: list[dict], x: str) -> float | None:
    """Bjontegaard mean difference of the other axis between two curves.

    ``x="psnr"``: log(bpp) as a cubic of PSNR over the overlapping PSNR range (for BD-rate);
    ``x="bpp"``: PSNR as a cubic of log(bpp) over the overlapping log-rates (BD-PSNR).
    Returns ours minus ref, or None when the ranges do not overlap.
    """
    if len(ours) < 2 or len(ref) < 2:
        return None
    curves = []
    for pts in (ours, ref):
        bpp = np.log(np.array([p["bpp"] for p in pts]))
        quality = np.array([p["psnr"] for p in pts])
        a, b = (quality, bpp) if x == "psnr" else (bpp, quality)
        order = np.argsort(a)
        curves.append((a[order], b[order]))
    lo, hi = max(c[0].min() for c in curves), min(c[0].max() for c in curves)
    if hi <= lo:
        return None
    areas = []
    for a, b in curves:
        poly = np.polyint(np.polyfit(a, b, min(3, len(a) - 1)))
        areas.append((np.polyval(poly, hi) - np.polyval(poly, lo)) / (hi - lo))
    return float(areas[0] - areas[1])


def bd_rate(ours: list[dict], ref: list[dict]) -> float | None:
    """Bjontegaard delta rate of ``ours`` against ``ref`` in percent (negative = fewer bits)."""
    diff = _bd(ours, ref, "psnr")
    return None if diff is None else float((math.exp(diff) - 1) * 100)


def bd_psnr(ours: list[dict], ref: list[dict]) -> float | None:
    """Bjontegaard delta PSNR of ``ours`` against ``ref`` in dB over the overlapping rates."""
    return _bd(ours, ref, "bpp")


def strip(X_test, codec, rows, path: Path) -> None:
    """Original / JPEG / WebP / ours for 8 test images.

    JPEG at the quality whose scan data (whole files are never this small) and WebP at the
    quality whose whole file is closest in mean size to ours.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    imgs = X_test[:8]
    ours_row = next(r for r in rows if r["method"] == "ImageCodec" and r["param"] == codec.lmbda)
    panels = [("original", imgs)]
    for name, fmt_name in (("JPEG (scan data)", "JPEG"), ("WebP (whole file)", "WEBP")):
        cands = [r for r in rows if r["method"] == name]
        best = min(cands, key=lambda r: abs(r["bpp"] - ours_row["bpp"]))
        kw = {"method": 6} if fmt_name == "WEBP" else {}
        _, out, _, _ = pillow_codec(imgs, fmt_name, best["param"], **kw)
        label = f"{name}, quality {best['param']}: {best['bpp']:.2f} bpp, {best['psnr']:.1f} dB"
        panels.append((label, out))
    label = f"ImageCodec, lmbda {codec.lmbda:g}: {ours_row['bpp']:.2f} bpp, "
    label += f"{ours_row['psnr']:.1f} dB (whole blob)"
    panels.append((label, codec.decompress(codec.compress(imgs))))
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 1.45 * len(panels)))
    for ax, (title, row_imgs) in zip(axes, panels):
        ax.imshow(np.concatenate(list(row_imgs), axis=1), cmap="gray", vmin=0, vmax=255)
        ax.set_title(title, fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def halves(codec, X_test) -> dict:
    """Mean bpp and PSNR of the first and the second half of the test slice."""
    blobs = codec.compress(X_test)
    bpp = 8 * np.array([len(b) for b in blobs]) / PIXELS
    quality = psnr(X_test, codec.decompress(blobs))
    h = len(X_test) // 2
    return {
        name: dict(bpp=float(bpp[part].mean()), psnr=float(quality[part].mean()))
        for name, part in (("first", slice(0, h)), ("second", slice(h, None)))
    }


def draw(args, rows, default_codec, X_test) -> None:
    from sk_autoencoder.plotting import plot_rate_distortion

    curves = {}
    for r in rows:
        curves.setdefault(r["method"], []).append((r["bpp"], r["psnr"]))
    targets = [(0.5, 26.0), (1.0, 30.0)] if args.dataset == "fashion-mnist" else None
    fig = plot_rate_distortion(curves, title=args.dataset, targets=targets)
    fig.axes[0].set_xscale("log")
    fig.axes[0].set_xlim(0.15, 10)
    fig.axes[0].set_ylim(15, 40)
    fig.axes[0].legend(loc="lower right", fontsize=8)
    fig.savefig(args.figures / f"compression_rd_{args.dataset}.png", dpi=110)
    strip(X_test, default_codec, rows, args.figures / f"compression_strip_{args.dataset}.png")


def redraw(args) -> None:
    from sk_autoencoder import load as load_model

    out = args.out or RESULTS_DIR / f"compression_{args.dataset}.json"
    payload = json.loads(Path(out).read_text())
    X_test = load(args.data_dir, args.dataset, "t10k", args.n_test)
    default_codec = None
    for r in payload["rows"]:
        if r["method"] != "ImageCodec":
            continue
        codec = load_model(args.save_models / f"codec_lmbda{r['param']:g}")
        r["halves"] = halves(codec, X_test)
        print(f"lmbda={r['param']}: {r['halves']}")
        if r["param"] == args.default_lmbda:
            default_codec = codec
    ours = [r for r in payload["rows"] if r["method"] == "ImageCodec"]
    others = sorted({r["method"] for r in payload["rows"]} - {"ImageCodec"})
    payload["bd_psnr"] = {
        m: bd_psnr(ours, [r for r in payload["rows"] if r["method"] == m]) for m in others
    }
    print("BD-PSNR (dB):", payload["bd_psnr"])
    write_json(payload, out)
    draw(args, payload["rows"], default_codec, X_test)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "mnist"])
    ap.add_argument("--lmbdas", type=float, nargs="+", default=[0.003, 0.01, 0.03, 0.1])
    ap.add_argument("--max-epochs", default="auto")
    ap.add_argument("--default-lmbda", type=float, default=0.003)
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--figures", type=Path, default=REPO_ROOT / "docs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--save-models", type=Path, help="save each fitted codec here (sk_autoencoder.save)"
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 2,000 images, 1 epoch")
    ap.add_argument(
        "--redraw",
        action="store_true",
        help="no training: read the JSON and the codecs of --save-models, add the split-half "
        "figures and redraw the plots",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.redraw:
        return redraw(args)
    max_epochs = args.max_epochs if args.max_epochs == "auto" else int(args.max_epochs)
    n_train = 2000 if args.quick else None
    if args.quick:
        max_epochs, args.n_test = 1, 100
    X_train = load(args.data_dir, args.dataset, "train", n_train)
    X_test = load(args.data_dir, args.dataset, "t10k", args.n_test)
    out = (
        args.out or RESULTS_DIR / f"compression_{args.dataset}{'_quick' if args.quick else ''}.json"
    )
    print(f"{args.dataset}: {len(X_train)} training, {len(X_test)} test images", flush=True)
    rows = run_jpeg_webp(X_test) + run_pca(X_train, X_test)
    if not args.no_floor:
        rows += run_floor(X_train, X_test)
    default_codec = None
    for lmbda in args.lmbdas:
        row, codec = run_codec(X_train, X_test, lmbda, max_epochs, args.save_models)
        rows.append(row)
        if lmbda == args.default_lmbda:
            default_codec = codec
        write_json(dict(machine=machine_info(), dataset=args.dataset, rows=rows), out)
    ours = [r for r in rows if r["method"] == "ImageCodec"]
    methods = sorted({r["method"] for r in rows} - {"ImageCodec"})
    bd = {m: bd_rate(ours, [r for r in rows if r["method"] == m]) for m in methods}
    bdp = {m: bd_psnr(ours, [r for r in rows if r["method"] == m]) for m in methods}
    table = markdown_table(
        ["method", "param", "bpp", "PSNR (dB)", "fit s", "enc img/s", "dec img/s"],
        [
            [
                r["method"],
                r["param"],
                fmt(r["bpp"], ".3f"),
                fmt(r["psnr"], ".2f"),
                fmt(r.get("fit_s"), ".0f"),
                fmt(r.get("encode_per_s"), ".0f"),
                fmt(r.get("decode_per_s"), ".0f"),
            ]
            for r in rows
        ],
        "llrrrrr",
    )
    print(table)
    print(
        markdown_table(
            ["BD-rate of ImageCodec against", "%"],
            [[m, fmt(v, ".1f")] for m, v in bd.items()],
            "lr",
        )
    )
    payload = dict(machine=machine_info(), dataset=args.dataset, rows=rows, bd_rate=bd, bd_psnr=bdp)
    write_json(payload, out)
    if default_codec is not None and not args.quick:
        draw(args, rows, default_codec, X_test)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
