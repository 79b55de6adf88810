"""Grey morphology against skimage.morphology with the same footprint, per image."""

import numpy as np
import pytest
from skimage import morphology as skm

import specsk.filters as F

OPS = ["erosion", "dilation", "opening", "closing", "white_tophat", "black_tophat"]


def _images(rank=3, dtype=np.float64):
    rng = np.random.default_rng(4)
    S = rng.normal(0, 1, (4, 15, 19))
    S[:, 6, :] += 4  # tone
    S[1:3, 9:12, 3:9] -= 3  # dark box
    return (S.reshape(2, 2, 15, 19) if rank == 4 else S).astype(dtype)


def _per_image(S, op, fp):
    planes = S.reshape(-1, *S.shape[-2:])
    return np.stack([getattr(skm, op)(p, fp) for p in planes]).reshape(S.shape)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("size", [(3, 3), (2, 5), (4, 4), (1, 7), (2, 16), (17, 21)])
@pytest.mark.parametrize("rank", [3, 4])
def test_rectangles_match_skimage_exactly(op, size, rank):
    S = _images(rank)
    out = F.Morphology(operation=op, size=size).fit_transform(S)
    np.testing.assert_array_equal(out, _per_image(S, op, np.ones(size, dtype=bool)))


@pytest.mark.parametrize("op", OPS)
def test_footprints_match_skimage_exactly(op):
    S = _images(4, np.float32)
    fp = np.array([[0, 1, 1, 0], [1, 1, 0, 0], [0, 1, 0, 0]], dtype=bool)  # even, asymmetric
    out = F.Morphology(operation=op, footprint=fp).fit_transform(S)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, _per_image(S, op, fp))
    disk = skm.disk(2)
    out = F.morphology(S, operation=op, footprint=tuple(map(tuple, disk)))
    np.testing.assert_array_equal(out, _per_image(S, op, disk))


@pytest.mark.parametrize("op", ["erosion", "closing"])
def test_ties_and_float32(op):
    S = np.round(_images(3, np.float32))  # many equal values
    out = F.morphology(S, operation=op, size=(3, 4))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, _per_image(S, op, np.ones((3, 4), dtype=bool)))


def test_full_footprint_array_equals_size():
    S = _images()
    np.testing.assert_array_equal(
        F.morphology(S, operation="closing", footprint=np.ones((2, 3))),
        F.morphology(S, operation="closing", size=(2, 3)),
    )


def test_white_tophat_keeps_short_events_only():
    S = np.tile(np.linspace(-70, -40, 20)[:, None], (1, 1, 30))  # slowly varying background
    S[0, 8, 12:14] += 20.0  # a 2-frame call
    out = F.morphology(S, operation="white_tophat", size=(1, 5))
    np.testing.assert_allclose(out[0, 8, 12:14], 20.0)
    out[0, 8, 12:14] = 0
    np.testing.assert_allclose(out, 0.0, atol=1e-12)
