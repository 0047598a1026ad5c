"""The detector's isolation forest as an ONNX ``TreeEnsembleRegressor``.

Each tree's leaves carry their path length (depth plus the average path of the rows left in
the leaf), the ensemble sums them, and ``2 ** (-sum / (n_trees c(max_samples)))`` is the
isolation score, as in :class:`sk_autoencoder.outliers.isolation.IsolationScorer`. Thresholds
are doubles and the float32 rows are compared as doubles, the comparison scikit-learn's trees
make.
"""

from __future__ import annotations

import numpy as np

from .dependencies import require
from .ops import Ops


def isolation_scores(ops: Ops, z: str, forest) -> str:
    """The forest's anomaly score (double (n, 1)) of the float32 model-space rows ``z``."""
    numpy_helper = require("onnx.numpy_helper")
    roots = np.asarray(forest.roots)
    nodes = np.arange(len(forest.feature))
    tree = np.searchsorted(roots, nodes, side="right") - 1  # each node's tree
    local = nodes - roots[tree]  # node ids within their tree
    leaf = forest.feature < 0
    total = ops(
        "TreeEnsembleRegressor",
        ops.cast(z, np.float64),
        op_domain="ai.onnx.ml",
        op_version=3,
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        nodes_treeids=tree.tolist(),
        nodes_nodeids=local.tolist(),
        nodes_featureids=np.where(leaf, 0, forest.feature).tolist(),
        nodes_modes=["LEAF" if f else "BRANCH_LEQ" for f in leaf],
        nodes_values_as_tensor=numpy_helper.from_array(
            np.where(leaf, 0.0, forest.threshold).astype(np.float64), "thresholds"
        ),
        nodes_truenodeids=np.where(leaf, 0, forest.left - roots[tree]).tolist(),
        nodes_falsenodeids=np.where(leaf, 0, forest.right - roots[tree]).tolist(),
        target_treeids=tree[leaf].tolist(),
        target_nodeids=local[leaf].tolist(),
        target_ids=[0] * int(leaf.sum()),
        target_weights_as_tensor=numpy_helper.from_array(
            forest.leaf_depth[leaf].astype(np.float64), "path_lengths"
        ),
    )
    denominator = forest.path_normaliser()
    # as IsolationScorer.anomaly: 2 ** (-total / denominator), every row 1 without a denominator
    factor = -1.0 / denominator if denominator else 0.0
    return ops("Pow", [2.0], ops("Mul", ops.cast(total, np.float64), [factor]))
