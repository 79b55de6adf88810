"""HOGFeatures against skimage.feature.hog per image."""

import numpy as np
import pytest
from skimage.feature import hog

from specsk.features import HOGFeatures, hog_features


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block_norm", ["L1", "L1-sqrt", "L2", "L2-Hys"])
def test_equal_to_skimage(dtype, block_norm):
    rng = np.random.default_rng(0)
    S = np.exp(rng.standard_normal((3, 32, 24))).astype(dtype)
    est = HOGFeatures(block_norm=block_norm, orientations=6, cells_per_block=(2, 1)).fit(S)
    out = est.transform(S)
    ref = np.stack(
        [hog(s, 6, (8, 8), (2, 1), block_norm=block_norm, feature_vector=True) for s in S]
    )
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, ref.astype(dtype))


def test_names_follow_skimage_layout():
    # a vertical edge (onset) at frame 12: gradients along time -> orientation bin 0
    S = np.zeros((1, 16, 24))
    S[0, :, 12:] = 1.0
    est = HOGFeatures(pixels_per_cell=(8, 8), cells_per_block=(1, 1), orientations=4).fit(S)
    out = est.transform(S)[0]
    names = est.get_feature_names_out()
    assert len(names) == out.size == 2 * 3 * 4 and len(set(names)) == names.size
    hist = dict(zip(names, out, strict=True))
    assert hist["hog_bf0_bt1_cf0_ct0_o0"] > 0.5  # cell holding the edge, horizontal gradient
    assert hist["hog_bf0_bt1_cf0_ct0_o2"] == 0.0
    assert hist["hog_bf0_bt0_cf0_ct0_o0"] == 0.0  # flat cell


def test_4d():
    rng = np.random.default_rng(1)
    S = rng.random((2, 2, 16, 16))
    est = HOGFeatures(cells_per_block=(1, 1)).fit(S)
    out = est.transform(S)
    names = est.get_feature_names_out()
    assert out.shape == (2, 2 * 4 * 9) == (2, len(names))
    assert names[36] == "ch1_hog_bf0_bt0_cf0_ct0_o0"
    np.testing.assert_array_equal(out[:, 36:], hog_features(S[:, 1], cells_per_block=(1, 1)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"pixels_per_cell": (40, 8)}, "pixels_per_cell"),
        ({"pixels_per_cell": (0, 8)}, "pixels_per_cell"),
        ({"cells_per_block": (2,)}, "cells_per_block"),
        ({"block_norm": "L3"}, "block_norm"),
        ({"orientations": 0}, "orientations"),
    ],
)
def test_invalid_params(params, match):
    S = np.random.default_rng(0).random((2, 32, 24))
    with pytest.raises(ValueError, match=match):
        HOGFeatures(**params).fit(S)
