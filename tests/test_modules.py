"""Closed-form checks of the pure-torch building blocks in ``sk_autoencoder.modules``."""

import ast
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sk_autoencoder.modules import (
    Autoencoder,
    FeatureBlocks,
    VariationalAutoencoder,
    build_mlp,
    contractive_penalty,
    corrupt,
    gaussian_kl,
    kl_sparsity,
    l1_sparsity,
    output_activation,
    per_feature_nll,
)

PACKAGE = Path(__file__).resolve().parents[1] / "sk_autoencoder"


@pytest.fixture(autouse=True)
def _seed():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


# ---------------------------------------------------------------------------- penalties
def test_gaussian_kl_is_zero_for_the_prior():
    kl = gaussian_kl(torch.zeros(4, 3), torch.zeros(4, 3))
    assert kl.shape == (4,)
    assert torch.equal(kl, torch.zeros(4))


def test_gaussian_kl_matches_hand_values_and_torch_distributions():
    # KL(N(1, 1) || N(0, 1)) = 1/2; KL(N(0, e) || N(0, 1)) = (e - 1 - 1) / 2.
    kl = gaussian_kl(torch.tensor([[1.0], [0.0]]), torch.tensor([[0.0], [1.0]]))
    torch.testing.assert_close(kl, torch.tensor([0.5, (math.e - 2) / 2]))

    mu, log_var = torch.randn(5, 3), torch.randn(5, 3)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * log_var))
    p = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    expected = torch.distributions.kl_divergence(q, p).sum(dim=1)
    torch.testing.assert_close(gaussian_kl(mu, log_var), expected)
    assert (gaussian_kl(mu, log_var) > 0).all()


def test_contractive_penalty_of_a_linear_encoder_is_frobenius_norm_of_weights():
    lin = nn.Linear(6, 3)
    x = torch.randn(10, 6, requires_grad=True)
    penalty = contractive_penalty(lin(x), x)
    torch.testing.assert_close(penalty, lin.weight.pow(2).sum())


def test_contractive_penalty_matches_the_jacobian_of_a_nonlinear_encoder():
    enc = build_mlp([4, 8, 2], "tanh")
    x = torch.randn(5, 4, requires_grad=True)
    penalty = contractive_penalty(enc(x), x)
    expected = torch.stack(
        [torch.autograd.functional.jacobian(enc, row).pow(2).sum() for row in x.detach()]
    ).mean()
    torch.testing.assert_close(penalty, expected)
    # create_graph=True: the penalty itself can be trained.
    penalty.backward()
    assert enc[0].weight.grad is not None and enc[0].weight.grad.abs().sum() > 0


def test_l1_sparsity_is_mean_row_sum_of_absolute_values():
    code = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    assert l1_sparsity(code).item() == pytest.approx((3 + 3) / 2)
    assert l1_sparsity(torch.zeros(3, 4)).item() == 0


def test_kl_sparsity_is_zero_at_the_target_rate_and_positive_elsewhere():
    target = 0.05
    code = torch.full((8, 3), math.log(target / (1 - target)))  # sigmoid(code) == target
    assert kl_sparsity(code, target).item() == pytest.approx(0.0, abs=1e-6)
    # Mean rate 0.5 on each of 3 units: 3 * KL(Bern(0.05) || Bern(0.5)).
    per_unit = target * math.log(target / 0.5) + (1 - target) * math.log((1 - target) / 0.5)
    assert kl_sparsity(torch.zeros(8, 3), target).item() == pytest.approx(3 * per_unit, rel=1e-5)


# ---------------------------------------------------------------------------- corruption
def test_gaussian_noise_has_the_requested_std():
    x = torch.randn(4000, 5)
    out = corrupt(x, "gaussian", 0.5)
    assert out.shape == x.shape
    assert not torch.equal(out, x)
    assert (out - x).std().item() == pytest.approx(0.5, rel=0.05)
    assert (out - x).mean().abs().item() < 0.02


def test_mask_noise_zeroes_about_the_requested_share_and_keeps_the_rest():
    x = torch.rand(4000, 10) + 1.0  # no zeros to begin with
    original = x.clone()
    out = corrupt(x, "mask", 0.3)
    zeroed = out == 0
    assert zeroed.float().mean().item() == pytest.approx(0.3, abs=0.02)
    assert torch.equal(out[~zeroed], x[~zeroed])
    assert torch.equal(x, original)  # the input is not modified in place


def test_swap_noise_draws_values_from_the_same_column():
    n, d = 2000, 4
    # Every value is unique and encodes its column: 10000 * column + row.
    x = (torch.arange(d) * 10_000 + torch.arange(n)[:, None]).float()
    out = corrupt(x, "swap", 0.25)
    for j in range(d):
        assert set(out[:, j].tolist()) <= set(x[:, j].tolist())
    changed = (out != x).float().mean().item()
    # A value swapped with its own row is unchanged, so slightly less than 0.25.
    assert 0.2 < changed < 0.27


def _one_hot_blocks(n: int, sizes: list[int]) -> torch.Tensor:
    return torch.cat([F.one_hot(torch.randint(0, s, (n,)), s).float() for s in sizes], dim=1)


@pytest.mark.parametrize("kind", ["mask", "swap"])
def test_block_index_keeps_one_hot_blocks_whole(kind):
    sizes = [3, 4, 2]
    x = _one_hot_blocks(3000, sizes)
    block_index = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    out = corrupt(x, kind, 0.4, block_index)
    start = 0
    n_hit = 0
    for size in sizes:
        blk_in, blk_out = x[:, start : start + size], out[:, start : start + size]
        changed = (blk_in != blk_out).any(dim=1)
        n_hit += changed.sum().item()
        if kind == "mask":
            # A block is either untouched or zeroed as a whole.
            assert torch.equal(blk_out[changed], torch.zeros_like(blk_out[changed]))
        else:
            # Still a valid one-hot row.
            assert torch.equal(blk_out.sum(dim=1), torch.ones(len(x)))
            assert set(blk_out.unique().tolist()) <= {0.0, 1.0}
        start += size
    assert n_hit > 0


def test_unknown_noise_kind_raises():
    with pytest.raises(ValueError, match="noise"):
        corrupt(torch.zeros(2, 2), "salt", 0.1)


# ---------------------------------------------------------------------------- likelihood
def test_per_feature_nll_numeric_is_squared_error():
    raw, x = torch.randn(6, 3), torch.randn(6, 3)
    blocks = FeatureBlocks.uniform("numeric", 3)
    torch.testing.assert_close(per_feature_nll(raw, x, blocks), (raw - x) ** 2)


def test_per_feature_nll_numeric_with_log_var_is_gaussian_negative_log_density():
    raw, x, log_var = torch.randn(6, 3), torch.randn(6, 3), torch.randn(3)
    blocks = FeatureBlocks.uniform("numeric", 3)
    expected = -torch.distributions.Normal(raw, torch.exp(0.5 * log_var)).log_prob(x)
    torch.testing.assert_close(per_feature_nll(raw, x, blocks, log_var=log_var), expected)


def test_per_feature_nll_binary_is_bce_with_logits():
    raw, x = torch.randn(6, 3), torch.randint(0, 2, (6, 3)).float()
    blocks = FeatureBlocks.uniform("binary", 3)
    expected = F.binary_cross_entropy(torch.sigmoid(raw), x, reduction="none")
    torch.testing.assert_close(per_feature_nll(raw, x, blocks), expected)


def test_per_feature_nll_mixed_blocks():
    # numeric (0, 2), binary (2, 3), categorical (3, 6), categorical (6, 8)
    layout = [("numeric", 0, 2), ("binary", 2, 3), ("categorical", 3, 6), ("categorical", 6, 8)]
    blocks = FeatureBlocks(layout, 8)
    n = 7
    x = torch.cat(
        [torch.randn(n, 2), torch.randint(0, 2, (n, 1)).float(), _one_hot_blocks(n, [3, 2])],
        dim=1,
    )
    raw = torch.randn(n, 8)
    nll = per_feature_nll(raw, x, blocks)
    assert nll.shape == (n, 8)
    torch.testing.assert_close(nll[:, :2], (raw[:, :2] - x[:, :2]) ** 2)
    torch.testing.assert_close(
        nll[:, 2], F.binary_cross_entropy_with_logits(raw[:, 2], x[:, 2], reduction="none")
    )
    for a, b in [(3, 6), (6, 8)]:
        ce = F.cross_entropy(raw[:, a:b], x[:, a:b].argmax(dim=1), reduction="none")
        torch.testing.assert_close(nll[:, a:b].sum(dim=1), ce)
        # The loss lands on the observed level's column only.
        assert torch.equal(nll[:, a:b][x[:, a:b] == 0], torch.zeros(n * (b - a - 1)))


def test_output_activation_softmax_blocks_sum_to_one():
    layout = [("numeric", 0, 2), ("binary", 2, 4), ("categorical", 4, 7), ("categorical", 7, 9)]
    blocks = FeatureBlocks(layout, 9)
    raw = 3 * torch.randn(20, 9)
    out = output_activation(raw, blocks)
    torch.testing.assert_close(out[:, :2], raw[:, :2])  # numeric: identity
    torch.testing.assert_close(out[:, 2:4], torch.sigmoid(raw[:, 2:4]))
    for a, b in [(4, 7), (7, 9)]:
        torch.testing.assert_close(out[:, a:b].sum(dim=1), torch.ones(20))
        assert (out[:, a:b] > 0).all()
    # all-binary and all-numeric fast paths
    torch.testing.assert_close(
        output_activation(raw, FeatureBlocks.uniform("binary", 9)), torch.sigmoid(raw)
    )
    assert torch.equal(output_activation(raw, FeatureBlocks.uniform("numeric", 9)), raw)


def test_feature_blocks_index_tensors():
    blocks = FeatureBlocks([("numeric", 0, 2), ("categorical", 2, 5), ("binary", 5, 6)], 6)
    assert blocks.numeric.tolist() == [0, 1]
    assert blocks.binary.tolist() == [5]
    assert blocks.categorical == [(2, 5)]
    assert blocks.block_index.tolist() == [0, 0, 1, 1, 1, 2]
    assert not blocks.all_numeric and not blocks.all_binary


# ---------------------------------------------------------------------------- networks
def test_build_mlp_has_no_activation_after_the_last_layer():
    mlp = build_mlp([5, 8, 4, 2], "relu")
    linears = [m for m in mlp if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 8), (8, 4), (4, 2)]
    assert isinstance(mlp[-1], nn.Linear)
    assert sum(isinstance(m, nn.ReLU) for m in mlp) == 2


def test_autoencoder_and_vae_shapes():
    ae = Autoencoder(build_mlp([5, 8, 2]), build_mlp([2, 8, 5]))
    raw, code = ae(torch.randn(3, 5))
    assert raw.shape == (3, 5) and code.shape == (3, 2)

    vae = VariationalAutoencoder(build_mlp([5, 8, 4]), build_mlp([2, 8, 5]), 5)
    raw, mu, log_var = vae(torch.randn(3, 5))
    assert raw.shape == (3, 5) and mu.shape == (3, 2) and log_var.shape == (3, 2)
    raw_mean, mu2, _ = vae(torch.randn(3, 5), sample=False)
    assert raw_mean.shape == (3, 5) and mu2.shape == (3, 2)
    # Without sampling the decoder sees the posterior mean: deterministic.
    x = torch.randn(3, 5)
    assert torch.equal(vae(x, sample=False)[0], vae(x, sample=False)[0])
    assert vae.observation_log_var().shape == (5,)


# ---------------------------------------------------------------------------- import rules
def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(relative level, dotted name) of every import in a source file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            found.append((node.level, base))
            found += [(node.level, f"{base}.{alias.name}".lstrip(".")) for alias in node.names]
    return found


MODULE_FILES = sorted((PACKAGE / "modules").glob("*.py"))


@pytest.mark.parametrize("path", MODULE_FILES, ids=lambda p: p.name)
def test_modules_import_no_numpy_pandas_or_sklearn(path):
    banned = {"numpy", "pandas", "sklearn", "skorch"}
    for level, name in _imported_modules(path):
        top = name.split(".")[0]
        assert level > 0 or top not in banned, f"{path.name} imports {name}"
        # Relative imports stay inside modules/ (the parent package pulls in sklearn).
        assert level <= 1, f"{path.name} imports from the parent package ({'.' * level}{name})"


def test_module_files_were_found():
    assert {p.name for p in MODULE_FILES} >= {"penalties.py", "corruption.py", "likelihood.py"}


def test_no_package_module_imports_plotting_or_demo():
    optional = {"plotting", "demo"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.stem in optional:
            continue  # they may import each other
        for _, name in _imported_modules(path):
            if set(name.split(".")) & optional:
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []
