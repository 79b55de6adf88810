"""Hostile input for the segmentation steps: empty and huge labels, NaN class labels, wrong
inner estimators, denormal images."""

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from specsk.segmentation import (
    GraphSegmenter,
    RegionRefiner,
    ROIFeatures,
    TemplateMatching,
    ThresholdSegmenter,
)


def _images(scale=1.0):
    S = np.exp(np.random.default_rng(0).standard_normal((4, 32, 24)))
    S[:, 8:12, 4:16] *= 20
    return (S / S.max() * scale).astype(np.float32)


def test_region_refiner_all_zero_labels():
    L = np.zeros((3, 16, 12), np.int32)
    np.testing.assert_array_equal(RegionRefiner().fit_transform(L), 0)
    np.testing.assert_array_equal(RegionRefiner(min_area=3, opening=2).fit_transform(L), 0)


@pytest.mark.parametrize("big", [1e30, 2.0**40, 2**31])
def test_region_refiner_huge_labels_are_kept(big):
    L = np.zeros((2, 16, 12), np.float64 if isinstance(big, float) else np.int64)
    L[:, 2:6, 2:6] = big
    L[:, 8:12, 6:10] = 1
    ref = L.copy()
    ref[ref == big] = 2
    out = RegionRefiner().fit_transform(L)
    np.testing.assert_array_equal(out, RegionRefiner().fit_transform(ref.astype(np.int32)))
    assert set(np.unique(out)) == {0, 1, 2}


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_template_matching_non_finite_class_labels(bad):
    y = np.array([0, bad, 0, 1])
    with pytest.raises(ValueError, match=r"TemplateMatching.*y contains"):
        TemplateMatching().fit(_images(), y)


@pytest.mark.parametrize(
    "make", [lambda: ROIFeatures(segmenter=StandardScaler()),
             lambda: TemplateMatching(segmenter=StandardScaler())],
)  # fmt: skip
def test_wrong_segmenter_names_the_parameter(make):
    est = make()
    with pytest.raises(ValueError, match=rf"{type(est).__name__}'s segmenter=StandardScaler"):
        est.fit(_images(), [0, 1, 0, 1])


@pytest.mark.parametrize("est", [ThresholdSegmenter(), GraphSegmenter(), ROIFeatures()])
def test_denormal_images_segment_like_normal_ones(est):
    out = est.fit_transform(_images(1e-40))
    ref = est.fit_transform(_images(1.0))
    if out.ndim == 3:  # label images
        np.testing.assert_array_equal(out > 0, ref > 0)
    else:
        assert np.isfinite(out).all()
