"""ONNX export: agreement with the fitted model, file size and inference speed.

Usage (from the repository root)::

    python benchmarks/onnx_export.py [--data-dir ../shared/data]
        [--out benchmarks/results/onnx_export.json] [--weather-rows 0]
        [--anomaly-set 6_cardio] [--mnist-train 2000] [--mnist-epochs 2]

Three models, each converted with ``sk_autoencoder.to_onnx`` and run by onnxruntime on the CPU:

1. **weather embedding**: the demo's pipeline, ``make_tabular_pipeline(AutoencoderTransformer(
   n_components=3))`` fitted on the weather table (every column but Date and RainTomorrow;
   missing values and categorical columns kept; ``--weather-rows 0`` = all rows). Output: the
   3-D code of every row.
2. **anomaly detector**: ``AutoencoderOutlierDetector()`` (defaults) on an ADBench Classical
   set, split and standardised as in ``benchmarks/anomaly.py``. Outputs: ``score_samples``,
   ``decision_function`` and ``predict`` (the fitted threshold inside the graph).
3. **conv denoiser**: ``benchmarks/images.py``'s default denoiser (conv, Gaussian noise 0.5)
   on ``--mnist-train`` MNIST training images, ``--mnist-epochs`` epochs (the speed and the
   agreement do not depend on how long it trained). Output: ``denoise`` of 28 x 28 images.

Figures: the largest absolute difference between onnxruntime and the Python model over the test
rows, and relative to the output scale (the largest absolute output); whether ``predict`` is
identical; the ``.onnx`` file size; rows/s of onnxruntime (``InferenceSession.run`` on a prepared
feed) and of the Python model's own method (``transform`` / ``score_samples`` / ``denoise``, on
PyTorch) at batch 1 and batch 1,024, measured one after the other in the same run, each runtime
on ``--threads`` threads (default 1: figures that hold on a busy machine; fitting uses torch's
default).

``--anomaly-sweep`` instead converts the default detector fitted on every set of ``anomaly/``
and ``anomaly-embeddings/`` and reports, per set, the largest relative difference of
``score_samples`` and the share of test rows whose ``predict`` is identical.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import (
    DEFAULT_DATA_DIR,
    RESULTS_DIR,
    machine_info,
    markdown_table,
    weather_frame,
    write_json,
)
from anomaly import load
from images import SIGMA, add_gaussian_noise, default_denoiser, load_images

from sk_autoencoder import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    make_tabular_pipeline,
    onnx_inputs,
    to_onnx,
)

BATCHES = (1, 1024)
THREADS = [1]  # threads of onnxruntime and of torch (set by --threads)


def _rate(fn, batch: int, min_seconds: float = 1.0) -> float:
    """Rows per second of ``fn()`` on a batch of ``batch`` rows (at least 3 calls)."""
    fn()  # warm-up
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < min_seconds:
        fn()
        calls += 1
    return calls * batch / (time.perf_counter() - start)


def _measure(name, model, python_fn, rows, compare):
    """One table row: agreement, size and speeds of ``model`` against ``python_fn``."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        path.write_bytes(model.SerializeToString())
        size = os.path.getsize(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = THREADS[0]
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    got = session.run(None, onnx_inputs(session, rows))
    result = {"model": name, "file_kib": size / 1024, **compare(got, python_fn(rows))}
    fit_threads = torch.get_num_threads()
    torch.set_num_threads(THREADS[0])
    for b in BATCHES:
        batch_rows = _take(rows, 0, min(b, len(rows)))
        feed = onnx_inputs(session, batch_rows)
        result[f"ort_rows_s_b{b}"] = _rate(lambda f=feed: session.run(None, f), b)
        result[f"torch_rows_s_b{b}"] = _rate(lambda r=batch_rows: python_fn(r), b)
    torch.set_num_threads(fit_threads)
    return result


def _take(rows, lo, hi):
    return rows.iloc[lo:hi] if hasattr(rows, "iloc") else rows[lo:hi]


def _diff(got, want) -> dict:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64).reshape(got.shape)
    scale = float(np.abs(want).max())
    err = float(np.abs(got - want).max())
    return {"max_abs_diff": err, "rel_diff": err / max(scale, 1e-12), "output_scale": scale}


def weather(args) -> dict:
    df, _ = weather_frame(args.data_dir)
    X = df.drop(columns=["Date", "RainTomorrow"])
    if args.weather_rows:
        X = X.sample(n=args.weather_rows, random_state=0)
    X = X.reset_index(drop=True)
    pipe = make_tabular_pipeline(AutoencoderTransformer(n_components=3, random_state=0))
    t0 = time.perf_counter()
    pipe.fit(X)
    print(f"weather pipeline fitted on {len(X):,} rows in {time.perf_counter() - t0:.1f} s")
    test = X.iloc[: min(len(X), 20000)]
    model = to_onnx(pipe, X.iloc[:1])
    out = _measure(
        "weather embedding (TabularPipeline)",
        model,
        pipe.transform,
        test,
        lambda got, want: _diff(got[0], want),
    )
    return {**out, "rows_fit": len(X), "rows_compared": len(test), "predict_identical": None}


def _default_detector(path):
    """``(detector, its ONNX model, train, test)`` of one ``.npz`` set, as anomaly.py splits it."""
    train, test, _ = load(path)
    train, test = train.astype(np.float32), test.astype(np.float32)
    det = AutoencoderOutlierDetector(random_state=0).fit(train)
    return det, to_onnx(det, train[:1]), train, test


def anomaly(args) -> dict:
    path = Path(args.data_dir) / "anomaly" / f"{args.anomaly_set}.npz"
    if not path.is_file():
        raise SystemExit(f"{path} not found: pass --data-dir (the folder holding anomaly/).")
    det, model, train, test = _default_detector(path)

    reps = int(np.ceil(1024 / len(test)))
    rows = np.vstack([test] * reps)  # enough rows for batches of 1,024

    def compare(got, want):
        label, decision, scores = got
        out = _diff(scores[:, 0], want)
        out["decision_max_abs_diff"] = float(
            np.abs(decision[:, 0] - det.decision_function(rows)).max()
        )
        out["predict_identical"] = bool(np.array_equal(label[:, 0], det.predict(rows)))
        out["flagged"] = int((label[:, 0] == -1).sum())
        return out

    out = _measure(
        f"anomaly detector ({args.anomaly_set})",
        model,
        det.score_samples,
        rows,
        compare,
    )
    return {**out, "rows_fit": len(train), "rows_compared": len(rows)}


def denoiser(args) -> dict:
    X, _ = load_images(args.data_dir, "mnist", "train", args.mnist_train)
    X_test, _ = load_images(args.data_dir, "mnist", "t10k", 2048)
    model_py = default_denoiser(random_state=0, max_epochs=args.mnist_epochs).fit(X)
    noisy = add_gaussian_noise(X_test, SIGMA, seed=1).reshape(len(X_test), -1)
    model = to_onnx(model_py, noisy[:1], options={AutoencoderTransformer: {"reconstruction": True}})
    out = _measure(
        "conv denoiser (MNIST 28 x 28)",
        model,
        model_py.denoise,
        noisy,
        lambda got, want: _diff(got[1], want),
    )
    return {**out, "rows_fit": len(X), "rows_compared": len(noisy), "predict_identical": None}


def anomaly_sweep(args) -> list:
    """The default detector's export on every ``.npz`` set: agreement and identical predict."""
    import glob

    import onnxruntime as ort

    out = []
    for folder in ("anomaly", "anomaly-embeddings"):
        for path in sorted(glob.glob(str(Path(args.data_dir) / folder / "*.npz"))):
            det, model, _, test = _default_detector(path)
            session = ort.InferenceSession(
                model.SerializeToString(), providers=["CPUExecutionProvider"]
            )
            label, _, scores = session.run(None, {"X": test})
            want = det.score_samples(test)
            row = {
                "set": Path(path).stem,
                "rows": len(test),
                "rel_diff": float(np.abs(scores[:, 0] - want).max() / np.abs(want).max()),
                "predict_identical_share": float(np.mean(label[:, 0] == det.predict(test))),
            }
            print(row, flush=True)
            out.append(row)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--out", type=Path, default=RESULTS_DIR / "onnx_export.json")
    ap.add_argument("--weather-rows", type=int, default=0, help="0: every row")
    ap.add_argument("--anomaly-set", default="6_cardio")
    ap.add_argument("--mnist-train", type=int, default=2000)
    ap.add_argument("--mnist-epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="of both runtimes (inference)")
    ap.add_argument(
        "--anomaly-sweep",
        action="store_true",
        help="only: the default detector's export on every set of anomaly/ and "
        "anomaly-embeddings/ (agreement, identical predict)",
    )
    args = ap.parse_args(argv)
    THREADS[0] = args.threads
    if args.anomaly_sweep:
        rows = anomaly_sweep(args)
        worst = max(r["rel_diff"] for r in rows)
        same = sum(r["predict_identical_share"] == 1.0 for r in rows)
        print(
            f"{len(rows)} sets: worst relative difference {worst:.2e}; predict identical on {same}"
        )
        payload = {"machine": machine_info(), "sweep": rows}
        print(f"wrote {write_json(payload, args.out.with_name('onnx_anomaly_sweep.json'))}")
        return payload
    rows = [weather(args), anomaly(args), denoiser(args)]
    header = [
        "model",
        "max |diff|",
        "relative",
        "predict identical",
        "file KiB",
        "ORT rows/s b1",
        "torch rows/s b1",
        "ORT rows/s b1024",
        "torch rows/s b1024",
    ]
    table = [
        [
            r["model"],
            f"{r['max_abs_diff']:.2e}",
            f"{r['rel_diff']:.2e}",
            {None: "-", True: "yes", False: "NO"}[r["predict_identical"]],
            f"{r['file_kib']:.0f}",
            f"{r['ort_rows_s_b1']:,.0f}",
            f"{r['torch_rows_s_b1']:,.0f}",
            f"{r['ort_rows_s_b1024']:,.0f}",
            f"{r['torch_rows_s_b1024']:,.0f}",
        ]
        for r in rows
    ]
    print(markdown_table(header, table))
    payload = {
        "machine": machine_info(),
        "inference_threads": args.threads,
        "results": rows,
    }
    print(f"wrote {write_json(payload, args.out)}")
    return payload


if __name__ == "__main__":
    main()
