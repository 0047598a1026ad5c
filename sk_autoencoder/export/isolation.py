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
from .ops import cast, constant, node


def isolation_scores(scope, container, z: str, forest) -> str:
    """The forest's anomaly score (double (n, 1)) of the float32 model-space rows ``z``."""
    numpy_helper = require("onnx.numpy_helper")

    n_nodes = len(forest.feature)
    bounds = list(forest.roots) + [n_nodes]
    tree = np.zeros(n_nodes, dtype=np.int64)
    for t, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        tree[a:b] = t
    local = np.arange(n_nodes) - np.asarray(forest.roots)[tree]
    leaf = forest.feature < 0
    offset = np.asarray(forest.roots)[tree]
    true_ids = np.where(leaf, 0, forest.left - offset)
    false_ids = np.where(leaf, 0, forest.right - offset)
    total = node(
        scope,
        container,
        "TreeEnsembleRegressor",
        [cast(scope, container, z, np.float64)],
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
        nodes_truenodeids=true_ids.tolist(),
        nodes_falsenodeids=false_ids.tolist(),
        target_treeids=tree[leaf].tolist(),
        target_nodeids=local[leaf].tolist(),
        target_ids=[0] * int(leaf.sum()),
        target_weights_as_tensor=numpy_helper.from_array(
            forest.leaf_depth[leaf].astype(np.float64), "path_lengths"
        ),
    )
    denominator = forest.path_normaliser()
    total = cast(scope, container, total, np.float64)
    if denominator == 0:  # as IsolationScorer.anomaly: every row scores 1
        return node(
            scope,
            container,
            "Add",
            [
                node(scope, container, "Mul", [total, constant(scope, container, [0.0])]),
                constant(scope, container, [1.0]),
            ],
        )
    exponent = node(
        scope, container, "Mul", [total, constant(scope, container, [-1.0 / denominator])]
    )
    return node(scope, container, "Pow", [constant(scope, container, [2.0]), exponent])
