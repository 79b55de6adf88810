"""Resize against skimage.transform.resize applied to each image."""

import numpy as np
import pytest
from skimage.transform import resize as sk_resize

import specsk.filters as F


def _images(rank=3, dtype=np.float64):
    rng = np.random.default_rng(5)
    S = rng.random((4, 30, 45))
    S[:, 12, :] += 2.0  # tone
    S[1:3, 4:9, 10:30] += 1.0  # box
    return (S.reshape(2, 2, 30, 45) if rank == 4 else S).astype(dtype)


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("shape", "order", "anti_aliasing"),
    [
        ((16, 16), 1, True),  # down-sampling both axes
        ((64, 20), 1, True),  # up in frequency, down in time
        ((12, 90), 0, False),
        ((40, 33), 3, True),  # cubic: overshoot clipped like skimage
        ((30, 20), 5, False),  # one axis unchanged
    ],
)
def test_matches_skimage_per_image(rank, dtype, shape, order, anti_aliasing):
    S = _images(rank, dtype)
    out = F.Resize(shape=shape, order=order, anti_aliasing=anti_aliasing).fit_transform(S)
    planes = S.reshape(-1, *S.shape[-2:])
    ref = np.stack(
        [sk_resize(p, shape, order=order, anti_aliasing=anti_aliasing) for p in planes]
    ).reshape(*S.shape[:-2], *shape)
    assert out.shape == ref.shape and out.dtype == dtype
    # float32: specsk multiplies in float32, skimage interpolates in float64 then rounds
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out, ref, **tol)


def test_same_shape_is_a_copy():
    S = _images()
    out = F.resize(S, shape=S.shape[-2:])
    np.testing.assert_array_equal(out, S)
    assert out is not S


def test_scalar_shape_means_square():
    assert F.resize(_images(), shape=8).shape == (4, 8, 8)
