"""ImageCodec: real bytes, exact round trips, loud failures on bad blobs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

from sk_autoencoder import BitstreamError, ImageCodec, load, save
from sk_autoencoder.compression.bitstream import EntropyTables, header, read_header


def blobs_images(n=160, h=8, w=8, seed=0) -> np.ndarray:
    """(n, h, w) uint8 images: one Gaussian blob each, on a dark background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    cy, cx = rng.uniform(1, h - 2, (n, 1, 1)), rng.uniform(1, w - 2, (n, 1, 1))
    width = rng.uniform(1.0, 2.5, (n, 1, 1))
    img = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * width**2))
    return np.rint(255 * img).astype(np.uint8)


@pytest.fixture(scope="module")
def images():
    return blobs_images()


@pytest.fixture(scope="module")
def codec(images):
    return ImageCodec(lmbda=0.01, max_epochs=4, random_state=0).fit(images)


def test_compress_gives_bytes_and_decompress_gives_uint8_images(codec, images):
    blobs = codec.compress(images[:6])
    assert len(blobs) == 6 and all(isinstance(b, bytes) for b in blobs)
    out = codec.decompress(blobs)
    assert out.dtype == np.uint8 and out.shape == (6, 8, 8)
    # The blob decodes to what the quantised code decodes to.
    np.testing.assert_array_equal(out, codec.inverse_transform(codec.transform(images[:6])))
    pixel_type, h, w, _ = read_header(blobs[0])
    assert (pixel_type, h, w) == ("uint8", 8, 8)


def test_transform_is_integer_valued_and_scores_are_code_lengths(codec, images):
    Z = codec.transform(images[:10])
    assert Z.shape == (10, codec.n_components_)
    np.testing.assert_array_equal(Z, np.round(Z))
    bits = -codec.score_samples(images[:10])
    blob_bits = 8 * np.array([len(b) for b in codec.compress(images[:10])])
    header_bits = 8 * (3 + 4)  # format + 2 sizes, check
    # The range coder reaches the ideal length within a few bytes (word padding).
    assert np.all(blob_bits - header_bits >= bits - 1)
    assert np.all(blob_bits - header_bits <= bits + 8 * 6)


def test_round_trip_is_bit_exact_across_processes(codec, images, tmp_path):
    save(codec, tmp_path / "codec")
    blobs = codec.compress(images[:8])
    (tmp_path / "blobs.bin").write_bytes(b"".join(len(b).to_bytes(2, "big") + b for b in blobs))
    script = textwrap.dedent(
        f"""
        import numpy as np
        from sk_autoencoder import load
        data = open({str(tmp_path / "blobs.bin")!r}, "rb").read()
        blobs, pos = [], 0
        while pos < len(data):
            n = int.from_bytes(data[pos:pos + 2], "big")
            blobs.append(data[pos + 2:pos + 2 + n])
            pos += 2 + n
        codec = load({str(tmp_path / "codec")!r})
        np.save({str(tmp_path / "decoded.npy")!r}, codec.decompress(blobs))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    decoded = np.load(tmp_path / "decoded.npy")
    np.testing.assert_array_equal(decoded, codec.decompress(blobs))


def test_saved_codec_encodes_the_same_bytes(codec, images, tmp_path):
    save(codec, tmp_path / "codec")
    loaded = load(tmp_path / "codec")
    assert loaded.compress(images[:10]) == codec.compress(images[:10])
    np.testing.assert_array_equal(
        loaded.entropy_tables_.probabilities, codec.entropy_tables_.probabilities
    )


def test_bytes_per_image_drop_as_lmbda_falls(images):
    sizes = []
    for lmbda in (0.1, 0.003, 0.0001):
        c = ImageCodec(lmbda=lmbda, max_epochs=30, random_state=0).fit(images)
        sizes.append(np.mean([len(b) for b in c.compress(images)]))
    assert sizes[0] > sizes[1] > sizes[2], sizes


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],  # truncated
        lambda b: b[: len(b) // 2],
        lambda b: b[:4],  # less than a header
        lambda b: b[:3] + bytes([b[3] ^ 0x10]) + b[4:],  # a flipped bit in the payload
        lambda b: b[:-1] + bytes([b[-1] ^ 0x01]),  # a flipped bit in the check
        lambda b: bytes([(2 << 4) | (b[0] & 0x0F)]) + b[1:],  # another format version
        lambda b: b + b"\x00",  # extra byte
    ],
)
def test_damaged_blobs_raise_clear_errors(codec, images, damage):
    blobs = codec.compress(images[:3])
    bad = damage(blobs[1])
    with pytest.raises(BitstreamError, match="blob 1"):
        codec.decompress([blobs[0], bad, blobs[2]])


def test_blob_from_another_model_is_refused(codec, images):
    other = ImageCodec(lmbda=0.01, max_epochs=2, random_state=1).fit(images)
    with pytest.raises(BitstreamError, match="different model"):
        codec.decompress(other.compress(images[:2]))


def test_empty_input_gives_empty_output(codec):
    assert codec.decompress([]).shape == (0, 8, 8)


def test_denoise_keeps_the_pixel_type(codec, images):
    out = codec.denoise(images[:3])
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, codec.decompress(codec.compress(images[:3])))


def test_decompress_input_errors(codec, images):
    blob = codec.compress(images[:1])[0]
    with pytest.raises(TypeError, match=r"\[blob\]"):
        codec.decompress(blob)
    with pytest.raises(TypeError, match="must be bytes"):
        codec.decompress(["not bytes"])


def test_odd_sizes_are_padded_and_cropped_back():
    X = blobs_images(n=120, h=13, w=11)
    c = ImageCodec(max_epochs=2, random_state=0).fit(X)
    assert c.module_.padded_shape == (1, 14, 12)
    out = c.decompress(c.compress(X[:4]))
    assert out.shape == (4, 13, 11) and out.dtype == np.uint8
    # channels-last colour images come back channels-last
    rgb = np.repeat(X[..., None], 3, axis=-1)
    c3 = ImageCodec(max_epochs=1, random_state=0).fit(rgb)
    assert c3.image_shape_ == (3, 13, 11)
    assert c3.decompress(c3.compress(rgb[:2])).shape == (2, 13, 11, 3)


def test_float_images_round_trip_as_floats(images):
    X = images.astype(np.float32) / 255
    c = ImageCodec(max_epochs=2, random_state=0).fit(X)
    out = c.decompress(c.compress(X[:3]))
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
    # uint8 input to a float-fitted codec comes back as uint8 (the blob records the type)
    assert c.decompress(c.compress(images[:3])).dtype == np.uint8


def test_bad_pixels_are_refused(codec, images):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        codec.compress(images[:2].astype(np.float64))  # 0..255 as floats
    with pytest.raises(ValueError, match="uint8"):
        codec.compress(images[:2].astype(np.int64))
    with pytest.raises(ValueError, match="images"):
        ImageCodec(max_epochs=1, image_shape=(2, 32)).fit(np.zeros((20, 64)))
    with pytest.raises(ValueError, match="lmbda"):
        ImageCodec(lmbda=0).fit(images)


def test_escape_symbols_round_trip_exactly():
    pmf = np.array([[0.2, 0.5, 0.3, 0.0], [0.1, 0.2, 0.3, 0.4]])
    tables = EntropyTables(pmf, first=[-1, 0], length=[3, 4])
    for code in ([0, 1], [-1, 3], [5, -7], [-32768, 32767], [40, 2]):
        code = np.array(code)
        payload = tables.encode(code)
        np.testing.assert_array_equal(tables.decode(payload), code)
    # An escaped value costs its 16 bits on top of the escape symbol.
    assert tables.bits(np.array([[40, 2]]))[0] > 16


def test_out_of_range_codes_are_refused_not_clipped():
    tables = EntropyTables(np.array([[0.5, 0.5]]), first=[0], length=[2])
    with pytest.raises(ValueError, match="must lie in"):
        tables.encode(np.array([40000]))


def test_a_failed_refit_drops_the_old_tables(images):
    from skorch.callbacks import Callback

    class Boom(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    c = ImageCodec(max_epochs=2, random_state=0).fit(images)
    blobs = c.compress(images[:2])
    c.set_params(callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        c.fit(images)
    with pytest.raises(NotFittedError, match="entropy tables"):
        c.decompress(blobs)


def test_changed_weights_refuse_old_blobs(images):
    c = ImageCodec(max_epochs=1, random_state=0).fit(images)
    blobs = c.compress(images[:2])
    with torch.no_grad():
        next(c.module_.decoder.parameters()).add_(1e-3)
    with pytest.raises(BitstreamError, match="different model"):
        c.decompress(blobs)


def test_fixed_base_parameters_are_refused():
    with pytest.raises(TypeError, match="architecture"):
        ImageCodec(architecture="mlp")


def test_inverse_transform_rounds_and_score_is_the_rd_objective(codec, images):
    Z = codec.transform(images[:4])
    np.testing.assert_array_equal(codec.inverse_transform(Z + 0.3), codec.inverse_transform(Z))
    bpp = -codec.score_samples(images) / 64
    expected = -np.mean(bpp + codec.lmbda * 255**2 * codec.reconstruction_error(images))
    assert codec.score(images) == pytest.approx(expected)


def test_header_round_trip():
    assert read_header(header("uint16", 300, 7) + b"\0" * 4)[:3] == ("uint16", 300, 7)


def test_codec_is_a_transformer_in_a_pipeline(codec, images):
    params = codec.get_params()
    assert params["lmbda"] == 0.01 and "architecture" not in params and "noise" not in params
    twin = clone(codec)
    assert twin.get_params()["lmbda"] == 0.01
    pipe = Pipeline([("codec", ImageCodec(max_epochs=1, random_state=0))]).fit(images)
    assert pipe.transform(images[:3]).shape == (3, pipe[-1].n_components_)
    assert np.isfinite(codec.reconstruction_error(images[:3])).all()


def test_plot_rate_distortion():
    pytest.importorskip("matplotlib")
    from sk_autoencoder.plotting import plot_rate_distortion

    fig = plot_rate_distortion(
        {"ours": [(0.5, 26.0), (0.2, 23.0)], "JPEG": {"bpp": [1, 2], "psnr": [22, 25]}},
        targets=[(0.5, 26.0)],
    )
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["ours", "JPEG", "targets"]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.2, 0.5])  # sorted by rate
    with pytest.raises(ValueError, match="bpp"):
        plot_rate_distortion({"x": {"psnr": [1]}})
