"""Anomaly-detection benchmark on ADBench "Classical" tables.

Protocol, fixed for every method: keep at most 20,000 rows (stratified sample, seed 0); 60/40
stratified train/test split (seed 0); StandardScaler fitted on the train part; fit on the
train part without labels; ROC-AUC of the anomaly scores on the test part. Wall time is
fit + score.

Methods: ``AutoencoderOutlierDetector(random_state=0)`` (defaults), scikit-learn
``IsolationForest(random_state=0)``, PCA reconstruction error (``PCA(n_components=0.9)``, the
components explaining 90% of the variance), and PyOD's ``AutoEncoder`` with its defaults
(when pyod is installed; it is a benchmark-only dependency).

Besides the mean over all datasets, each method's mean over the odd- and the even-indexed
datasets (sorted file order) is printed: a setting chosen by looking at one half can be
checked on the other. ``--seeds 0 1 2`` also runs our detector with those random states and
prints its mean AUC per seed (the table shows the first seed); ``--params`` passes detector
parameters as JSON (e.g. ``'{"n_steps": 100}'``) to compare settings under this protocol.

Run from the repository root::

    .venv/bin/python benchmarks/anomaly.py --out benchmarks/results/anomaly.json
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sk_autoencoder import AutoencoderOutlierDetector

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_ROWS = 20000


def load(path):
    """The protocol's train/test parts of one ``.npz`` (X, y with y=1 anomaly)."""
    d = np.load(path, allow_pickle=False)
    X, y = d["X"].astype(np.float32), d["y"].astype(int)
    if len(X) > MAX_ROWS:
        X, _, y, _ = train_test_split(X, y, train_size=MAX_ROWS, stratify=y, random_state=0)
    a, b, _, yb = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
    sc = StandardScaler().fit(a)
    return sc.transform(a), sc.transform(b), yb


def make_ours(seed=0, params=None):
    def ours(a, b):
        det = AutoencoderOutlierDetector(random_state=seed, **(params or {}))
        return -det.fit(a).score_samples(b)

    return ours


def iforest(a, b):
    return -IsolationForest(random_state=0).fit(a).score_samples(b)


def pca(a, b):
    p = PCA(n_components=0.9, random_state=0).fit(a)
    return ((b - p.inverse_transform(p.transform(b))) ** 2).sum(axis=1)


def pyod_method():
    try:
        from pyod.models.auto_encoder import AutoEncoder
    except Exception:  # noqa: BLE001 - pyod is optional
        return None

    def pyod_ae(a, b):
        m = AutoEncoder(verbose=0, random_state=0)
        m.fit(a)
        return m.decision_function(b)

    return pyod_ae


def machine_info() -> dict:
    import sklearn
    import torch

    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "sklearn": sklearn.__version__,
    }
    try:
        import pyod

        info["pyod"] = pyod.__version__
    except Exception:  # noqa: BLE001
        info["pyod"] = None
    return info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO, "..", "shared", "data", "anomaly"))
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--no-pyod", action="store_true", help="skip PyOD even if installed")
    ap.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="random states of our detector"
    )
    ap.add_argument("--params", default="{}", help="our detector's parameters as JSON")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    params = json.loads(args.params)

    methods = {"ours": make_ours(args.seeds[0], params), "iforest": iforest, "pca": pca}
    pyod_ae = None if args.no_pyod else pyod_method()
    if pyod_ae is not None:
        methods["pyod_ae"] = pyod_ae
    files = sorted(glob.glob(os.path.join(args.data_dir, "*.npz")))
    if not files:
        raise SystemExit(f"no .npz files in {args.data_dir}")

    auc = {m: {} for m in methods}
    secs = {m: {} for m in methods}
    names = []
    print(f"{'dataset':20s}" + "".join(f"{m:>10s}" for m in methods), flush=True)
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        names.append(name)
        a, b, yb = load(path)
        for m, fn in methods.items():
            t = time.perf_counter()
            s = fn(a, b)
            secs[m][name] = time.perf_counter() - t
            auc[m][name] = float(roc_auc_score(yb, s))
        print(f"{name:20s}" + "".join(f"{auc[m][name]:10.3f}" for m in methods), flush=True)
    mean = {m: float(np.mean(list(auc[m].values()))) for m in methods}
    odd = {m: float(np.mean([auc[m][n] for n in names[1::2]])) for m in methods}
    even = {m: float(np.mean([auc[m][n] for n in names[0::2]])) for m in methods}
    total = {m: float(sum(secs[m].values())) for m in methods}
    print(f"{'mean ROC-AUC':20s}" + "".join(f"{mean[m]:10.3f}" for m in methods))
    print(f"{'  odd-indexed sets':20s}" + "".join(f"{odd[m]:10.3f}" for m in methods))
    print(f"{'  even-indexed sets':20s}" + "".join(f"{even[m]:10.3f}" for m in methods))
    print(f"{'total seconds':20s}" + "".join(f"{total[m]:10.1f}" for m in methods))
    result = {
        "protocol": "<=20000 rows stratified seed 0; 60/40 stratified split seed 0; "
        "StandardScaler on train; fit without labels; ROC-AUC on test",
        "machine": machine_info(),
        "params": params,
        "datasets": names,
        "roc_auc": auc,
        "seconds": secs,
        "mean_roc_auc": mean,
        "mean_roc_auc_odd_indexed": odd,
        "mean_roc_auc_even_indexed": even,
        "total_seconds": total,
    }
    if len(args.seeds) > 1:
        per_seed = {args.seeds[0]: auc["ours"]}
        for seed in args.seeds[1:]:
            fn = make_ours(seed, params)
            per_seed[seed] = {}
            for path in files:
                name = os.path.splitext(os.path.basename(path))[0]
                a, b, yb = load(path)
                per_seed[seed][name] = float(roc_auc_score(yb, fn(a, b)))
        for seed, res in per_seed.items():
            vals = [res[n] for n in names]
            print(
                f"ours random_state={seed}: mean {np.mean(vals):.3f} "
                f"(odd {np.mean(vals[1::2]):.3f}, even {np.mean(vals[0::2]):.3f})"
            )
        result["ours_roc_auc_by_seed"] = {str(k): v for k, v in per_seed.items()}
    for peer in ("iforest", "pyod_ae"):
        if peer in methods:
            wins = sum(auc["ours"][n] > auc[peer][n] for n in names)
            result[f"wins_vs_{peer}"] = int(wins)
            print(f"ours beats {peer} on {wins}/{len(names)} datasets")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
        print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
