"""``AutoencoderOutlierDetector``'s scores as a torch module, ready to be traced to ONNX.

From model-space rows (their unseen cells recoded by :func:`recode_unseen`, the mask of those
cells and the isolation forest's score) to ``label``, ``decision_function``
and ``score_samples``, with every fitted statistic a constant: the members' column errors and
codes (float32, as in Python), then in float64 the robust z-scores, the code-space distance,
the unseen floors and the fitted ``offset_``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .methods import AutoencoderMethods, cpu_copy
from .ops import Ops


def _t(value) -> torch.Tensor:
    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def _groups(det) -> np.ndarray:
    """(d, n_features_in_): 1 where a model-space column belongs to an input column."""
    out = np.zeros((int(det.estimators_[0].n_features_in_), len(det._groups)))
    for j, (a, b) in enumerate(det._groups):
        out[a:b, j] = 1.0
    return out


class DetectorScores(nn.Module):
    """``(z, unseen, forest) -> (label, decision_function, score_samples)``, each (n, 1).

    ``z``: float32 model-space rows (n, d); ``unseen``: float64 (n, n_features_in_), 1 where the
    cell is unseen; ``forest``: the isolation forest's score (n, 1).
    """

    def __init__(self, det):
        super().__init__()
        self.vae = None
        if det.model == "vae":  # one VAEGenerator per member, scored by its own ELBO
            self.vae = nn.ModuleList(
                AutoencoderMethods(m, score_samples=True) for m in det.estimators_
            )
        else:  # the members side by side in one network
            self.members, self.net = cpu_copy(det.estimators_[0])
        self.code_sizes = [int(k) for k in det.code_sizes_]
        self.register_buffer("groups", _t(_groups(det)))
        self.latent_weight = float(det.latent_weight) if det._use_latent() else 0.0
        self.stats = []
        for (med, scale), (rmed, rscale), latent in zip(
            det._col_stats, det._row_stats, det._latent_stats
        ):
            entry = {"med": _t(med), "scale": _t(scale), "row": (float(rmed), float(rscale))}
            if latent is not None:
                entry.update(
                    mean=_t(latent["mean"]),
                    precision=_t(latent["precision"]),
                    rec=tuple(float(v) for v in latent["rec"]),
                    dist=(float(latent["center"]), float(latent["scale"])),
                )
            self.stats.append(entry)
        self.floors = None if det._error_floor is None else [_t(f) for f in det._error_floor]
        self.forest = None
        if getattr(det, "_isolation", None) is not None:
            w = float(det.isolation_weight)
            self.forest = (w, *(float(v) for v in det._isolation_stats))
        self.offset = float(det.offset_)

    def _member_score(self, m: int, err: torch.Tensor, code: torch.Tensor, unseen) -> torch.Tensor:
        """Member ``m``'s normalised row score; ``code``: its codes, or its ELBO for a VAE."""
        stats = self.stats[m]
        E = err.double() @ self.groups  # (n, p): errors per input column
        excess = 0.0
        if self.floors is not None:
            floored = torch.where(unseen > 0, torch.maximum(E, self.floors[m]), E)
            excess, E = (floored - E).sum(dim=1), floored
        if self.vae is not None:  # the negative ELBO, plus the floors' excess (it reads no E)
            raw = excess - code.double()
        else:
            raw = ((E - stats["med"]) / stats["scale"]).mean(dim=1)
        if "mean" in stats:
            D = code[:, : self.code_sizes[m]].double() - stats["mean"]
            dist = ((D @ stats["precision"]) * D).sum(dim=1)
            r_med, r_scale = stats["rec"]
            center, scale = stats["dist"]
            raw = (raw - r_med) / r_scale + self.latent_weight * (dist - center) / scale
        r_med, r_scale = stats["row"]
        return (raw - r_med) / r_scale

    def forward(self, z: torch.Tensor, unseen: torch.Tensor, forest: torch.Tensor):
        """``label`` (int64), ``decision_function`` and ``score_samples`` (float32), (n, 1) each.

        ``z``: unseen cells already recoded (:func:`recode_unseen`); ``forest``: the isolation
        forest's score (n, 1), read only when the detector has one.
        """
        if self.vae is not None:
            err = [member.est._column_errors(member.net, z) for member in self.vae]
            code = [member.score(member.net, z) for member in self.vae]  # the ELBOs (n,)
        else:
            err, code = self.members._member_losses(self.net, z)  # (M, n, d), (M, n, k)
        anomaly = torch.stack(
            [self._member_score(m, err[m], code[m], unseen) for m in range(len(self.stats))]
        ).mean(dim=0)
        if self.forest is not None:  # (members + w * isolation) / (1 + w), both robust-z
            w, center, scale = self.forest
            anomaly = (anomaly + w * (forest.reshape(-1) - center) / scale) / (1.0 + w)
        score = -anomaly.reshape(-1, 1)
        decision = score - self.offset
        label = torch.where(decision < 0, -1, 1).to(torch.int64)
        return label, decision.float(), score.float()


def recode_unseen(ops: Ops, det, z: str, unseen: str) -> str:
    """``z`` with each unseen categorical cell one-hot as its column's rarest training level."""
    levels = getattr(det, "_unseen_levels", None)
    if levels is None or all(pos < 0 for pos in levels):
        return z
    groups = _groups(det)  # (d, p)
    spread = groups.T * (np.asarray(levels) >= 0)[:, None]  # categorical input columns only
    rarest = np.zeros(len(groups), dtype=np.float32)
    for (a, _), pos in zip(det._groups, levels):
        if pos >= 0:
            rarest[a + pos] = 1.0
    hit = ops("Greater", ops("MatMul", unseen, spread), [0.0])
    return ops("Where", hit, rarest, z)
