"""Segmenters on a synthetic scene with known regions, against scikit-image references.

The scene (64 bins x 96 frames, dB): Gaussian noise (mean 0 dB, std 3 dB) plus regions 10 dB
above the noise mean (10 dB SNR): a tone band (6 x 20 bins), a noise burst (12 x 12), an
upward chirp (3 bins thick, 30 frames), a harmonic stack (3 lines of 3 x 16) and a click
train (3 clicks of 26 bins x 2 frames). What the tests measure: for every true region, the
IoU between it and the predicted label that covers most of it, averaged over 4 noise draws.
"""

import numpy as np
import pytest
from scipy import ndimage
from skimage import filters as skfilters
from skimage.measure import label as sklabel
from skimage.segmentation import felzenszwalb

from specsk.segmentation import (
    ClusterSegmenter,
    GraphSegmenter,
    RegionGrowing,
    RegionRefiner,
    ThresholdSegmenter,
    cluster_segment,
    graph_segment,
    refine_labels,
    region_growing,
    threshold_segment,
)
from specsk.segmentation._common import label_batch

H, W = 64, 96
BOXES = ("tone", "noise")


def truth_masks():
    regs = {}

    def box(name, r0, r1, c0, c1):
        m = np.zeros((H, W), bool)
        m[r0:r1, c0:c1] = True
        regs[name] = m

    box("tone", 4, 10, 5, 25)
    box("noise", 42, 54, 64, 76)
    m = np.zeros((H, W), bool)
    for c in range(30, 60):
        r = 20 + (c - 30) // 2
        m[r : r + 3, c] = True
    regs["chirp"] = m
    for k, r in enumerate((8, 18, 28)):
        box(f"harm{k}", r, r + 3, 78, 94)
    for k, c in enumerate((6, 14, 22)):
        box(f"click{k}", 34, 60, c, c + 2)
    return regs


def make_scene(n=4, snr_db=10.0, noise_db=3.0, seed=0):
    rng = np.random.default_rng(seed)
    S = rng.normal(0.0, noise_db, (n, H, W))
    regs = truth_masks()
    for m in regs.values():
        S[:, m] += snr_db
    return S.astype(np.float32), regs


def mean_ious(labels, regs):
    out = {k: [] for k in regs}
    for L in labels:
        for k, m in regs.items():
            lab = L[m]
            lab = lab[lab > 0]
            if lab.size == 0:
                out[k].append(0.0)
                continue
            p = L == np.bincount(lab).argmax()
            out[k].append((p & m).sum() / (p | m).sum())
    return {k: float(np.mean(v)) for k, v in out.items()}


@pytest.fixture(scope="module")
def scene():
    S, regs = make_scene()
    # the usual pipeline smooths first (GaussianFilter, sigma = 1 bin / 1 frame)
    return S, ndimage.gaussian_filter(S, (0, 1, 1)), regs


# (name, estimator, smoothed input?, min mean IoU for the boxes, for the other regions,
#  regions not checked)
CASES = [
    ("otsu", ThresholdSegmenter(method="otsu"), True, 0.9, 0.75, ()),
    ("li", ThresholdSegmenter(method="li"), True, 0.8, 0.55, ()),
    ("yen", ThresholdSegmenter(method="yen"), True, 0.8, 0.55, ()),
    ("triangle", ThresholdSegmenter(method="triangle"), True, 0.75, 0.5, ()),
    ("hysteresis", ThresholdSegmenter(method="hysteresis"), True, 0.9, 0.75, ()),
    ("percentile", ThresholdSegmenter(method="percentile", percentile=85), True, 0.8, 0.55, ()),
    ("fixed", ThresholdSegmenter(method="fixed", threshold=5.0), True, 0.95, 0.75, ()),
    # 2-frame clicks, smoothed, have no seed above the 95th percentile
    ("growing", RegionGrowing(tolerance=6.0), True, 0.9, 0.8, ("click0", "click1", "click2")),
    ("felzenszwalb", GraphSegmenter(method="felzenszwalb"), True, 0.9, 0.55, ()),
    ("watershed", GraphSegmenter(method="watershed"), False, 0.95, 0.9, ()),
    ("kmeans", ClusterSegmenter(method="kmeans"), True, 0.9, 0.75, ()),
    ("dbscan", ClusterSegmenter(method="dbscan"), True, 0.9, 0.75, ()),
]


@pytest.mark.parametrize(
    "name, est, smooth, box_iou, other_iou, skip", CASES, ids=[c[0] for c in CASES]
)
def test_segmenter_recovers_regions(scene, name, est, smooth, box_iou, other_iou, skip):
    S, Ss, regs = scene
    X = Ss if smooth else S
    L = est.fit_transform(X)
    assert L.dtype == np.int32 and L.shape == X.shape
    assert L.min() == 0
    ious = mean_ious(L, regs)
    for k, v in ious.items():
        if k in skip:
            continue
        thr = box_iou if k in BOXES else other_iou
        assert v >= thr, f"{name}: IoU of {k} = {v:.3f} < {thr}"


def test_labels_are_connected_components_per_image(scene):
    _, Ss, _ = scene
    L = threshold_segment(Ss, method="otsu")
    for img, lab in zip(Ss, L, strict=True):
        ref = sklabel(img > skfilters.threshold_otsu(img), connectivity=2)
        np.testing.assert_array_equal(lab, ref)


def test_label_batch_matches_skimage_label():
    rng = np.random.default_rng(1)
    M = rng.random((5, 20, 30)) > 0.7
    M[2] = False  # an empty image in the middle
    L = label_batch(M)
    for m, lab in zip(M, L, strict=True):
        np.testing.assert_array_equal(lab, sklabel(m, connectivity=2))


@pytest.mark.parametrize("method", ["otsu", "li", "yen", "triangle"])
def test_threshold_methods_match_skimage(scene, method):
    _, Ss, _ = scene
    L = threshold_segment(Ss, method=method)
    fn = getattr(skfilters, f"threshold_{method}")
    for img, lab in zip(Ss, L, strict=True):
        np.testing.assert_array_equal(lab > 0, img > fn(img))


def test_threshold_per_frequency_matches_per_row_otsu(scene):
    _, Ss, _ = scene
    L = threshold_segment(Ss[:2], method="otsu", per="frequency")
    for img, lab in zip(Ss[:2], L, strict=True):
        t = np.array([skfilters.threshold_otsu(row) for row in img])[:, None]
        np.testing.assert_array_equal(lab > 0, img > t)


def test_percentile_and_fixed(scene):
    _, Ss, _ = scene
    L = threshold_segment(Ss, method="percentile", percentile=90)
    for img, lab in zip(Ss, L, strict=True):
        np.testing.assert_array_equal(lab > 0, img > np.percentile(img, 90))
    np.testing.assert_array_equal(threshold_segment(Ss, method="fixed", threshold=4.0) > 0, Ss > 4)


def test_hysteresis_matches_skimage(scene):
    _, Ss, _ = scene
    L = threshold_segment(Ss, method="hysteresis", low=3.0, high=7.0)
    for img, lab in zip(Ss, L, strict=True):
        np.testing.assert_array_equal(lab > 0, skfilters.apply_hysteresis_threshold(img, 3, 7))


def test_constant_image_has_no_regions():
    S = np.ones((2, 8, 8), dtype=np.float32)
    for method in ("otsu", "li", "yen", "triangle", "hysteresis", "percentile"):
        assert threshold_segment(S, method=method).max() == 0
    assert region_growing(S).max() == 0
    assert graph_segment(S).max() == 0
    assert graph_segment(S, method="watershed").max() == 0
    assert cluster_segment(S).max() == 0
    assert cluster_segment(S, method="dbscan").max() == 0


def test_felzenszwalb_foreground_is_a_union_of_segments(scene):
    _, Ss, _ = scene
    img = Ss[0]
    L = graph_segment(Ss[:1], scale=100, sigma=0.5, min_size=20)[0]
    norm = (img - img.min()) / (img.max() - img.min())
    segs = felzenszwalb(norm.astype(np.float64), scale=100, sigma=0.5, min_size=20,
                        channel_axis=None)  # fmt: skip
    means = ndimage.mean(img, segs, np.arange(segs.max() + 1))
    expected = (means > skfilters.threshold_otsu(img))[segs]
    np.testing.assert_array_equal(L > 0, expected)


def test_region_growing_tolerance_semantics():
    # a two-level plateau: the lower step joins only if within the tolerance of the seed
    S = np.full((1, 20, 20), -60.0)
    S[0, 5:10, 5:10] = 0.0
    S[0, 5:10, 10:15] = -5.0
    small = region_growing(S, tolerance=3.0, min_distance=1)
    large = region_growing(S, tolerance=6.0, min_distance=1)
    assert (small > 0).sum() == 25
    assert (large > 0).sum() == 50
    # power input: the same image as 10 ** (dB / 10)
    P = 10.0 ** (S / 10.0)
    np.testing.assert_array_equal(region_growing(P, tolerance=6.0, scale="power"), large)


def test_cluster_segment_kmeans_foreground_is_loudest():
    S = np.zeros((1, 16, 16))
    S[0, 4:8, 4:12] = 30.0
    S[0, 12:14, 2:5] = 15.0
    L = cluster_segment(S, n_clusters=3, n_foreground=1, features=("energy",))
    assert (L > 0).sum() == 32
    L2 = cluster_segment(S, n_clusters=3, n_foreground=2, features=("energy",))
    assert L2.max() == 2 and (L2 > 0).sum() == 38


def test_kmeans_matches_sklearn(scene):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from specsk.segmentation._cluster import _bin_table, _kmeans

    _, Ss, _ = scene
    for img in Ss:
        F = _bin_table(img, ("energy", "frequency", "time"), True, 0.25)
        ours, _ = _kmeans(F, img.ravel(), 2)
        ref = KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(F)
        assert adjusted_rand_score(ours, ref) >= 0.99


def test_n_jobs_gives_the_same_labels(scene):
    _, Ss, _ = scene
    a = RegionGrowing(n_jobs=1).fit_transform(Ss)
    b = RegionGrowing(n_jobs=2).fit_transform(Ss)
    np.testing.assert_array_equal(a, b)


# -- refinement --------------------------------------------------------------------------------
def test_refine_labels_morphology_and_area():
    L = np.zeros((1, 20, 20), dtype=np.int32)
    L[0, 2:10, 2:10] = 1
    L[0, 5, 5] = 0  # a hole
    L[0, 15, 15] = 2  # a speck
    out = refine_labels(L, min_area=2)
    assert out.max() == 1 and (out > 0).sum() == 64
    kept_hole = refine_labels(L, fill_holes=False)
    assert kept_hole[0, 5, 5] == 0 and kept_hole.max() == 2
    # opening with a 3 x 3 square removes the speck but keeps the 8 x 8 square (at the border
    # too: refinement pads like the edge)
    L2 = np.zeros((1, 12, 12), dtype=np.int32)
    L2[0, 0:8, 0:8] = 1
    L2[0, 10, 10] = 2
    opened = refine_labels(L2, opening=3)
    assert opened.max() == 1 and (opened > 0).sum() == 64
    # closing bridges a 1-frame gap
    L3 = np.zeros((1, 10, 12), dtype=np.int32)
    L3[0, 3:6, 1:5] = 1
    L3[0, 3:6, 6:10] = 2
    assert refine_labels(L3, closing=(1, 3)).max() == 1


def test_refine_labels_sizes_in_hz_and_seconds():
    sr, n_fft, hop = 8000, 126, 128  # 63.49 Hz per bin, 16 ms per frame
    L = np.zeros((1, 64, 40), dtype=np.int32)
    L[0, 10:13, 5:8] = 1  # 3 bins (190.5 Hz), 3 frames (48 ms)
    L[0, 30:40, 20:35] = 2  # 10 bins (634.9 Hz), 15 frames (240 ms)
    kw = dict(sr=sr, n_fft=n_fft, hop_length=hop)
    assert refine_labels(L, min_size_s=0.05, **kw).max() == 1
    assert refine_labels(L, min_size_s=0.04, **kw).max() == 2
    assert refine_labels(L, min_size_hz=200.0, **kw).max() == 1
    assert refine_labels(L, min_size_hz=190.0, **kw).max() == 2
    assert refine_labels(L, max_size_s=0.1, **kw).max() == 1
    assert refine_labels(L, max_size_hz=600.0, **kw).sum() == 9
    # explicit bin frequencies (e.g. mel): bandwidth is edge to edge
    freqs = np.geomspace(50.0, 4000.0, 64)
    edges = np.concatenate([[2 * freqs[0] - (freqs[0] + freqs[1]) / 2],
                            (freqs[1:] + freqs[:-1]) / 2,
                            [2 * freqs[-1] - (freqs[-1] + freqs[-2]) / 2]])  # fmt: skip
    bw_small = edges[13] - edges[10]
    out = refine_labels(L, min_size_hz=bw_small + 1e-6, freqs=freqs)
    assert out.max() == 1 and (out > 0).sum() == 150
    est = RegionRefiner(min_size_s=0.05, sr=sr, hop_length=hop)
    np.testing.assert_array_equal(est.fit_transform(L), refine_labels(L, min_size_s=0.05, **kw))


# -- bad input -----------------------------------------------------------------------------------
def test_bad_input():
    S = np.random.default_rng(0).random((2, 8, 8)).astype(np.float32)
    bad = S.copy()
    bad[0, 1, 1] = np.nan
    for est in (ThresholdSegmenter(), RegionGrowing(), GraphSegmenter(), ClusterSegmenter()):
        with pytest.raises(ValueError, match="NaN"):
            est.fit_transform(bad)
        with pytest.raises(ValueError, match="3-D"):
            est.fit_transform(S[0])
    with pytest.raises(ValueError, match="method"):
        ThresholdSegmenter(method="mean").fit_transform(S)
    with pytest.raises(ValueError, match="threshold is required"):
        ThresholdSegmenter(method="fixed").fit_transform(S)
    with pytest.raises(ValueError, match="low must not exceed high"):
        threshold_segment(S, method="hysteresis", low=0.9, high=0.1)
    with pytest.raises(ValueError, match="tolerance"):
        RegionGrowing(tolerance=-1.0).fit_transform(S)
    with pytest.raises(ValueError, match="min_distance"):
        region_growing(S, min_distance=0)
    with pytest.raises(ValueError, match="scale"):
        GraphSegmenter(scale=0).fit_transform(S)
    with pytest.raises(ValueError, match="foreground"):
        graph_segment(S, foreground="max")
    with pytest.raises(ValueError, match="n_foreground"):
        cluster_segment(S, n_clusters=2, n_foreground=2)
    with pytest.raises(ValueError, match="features"):
        cluster_segment(S, features=("loudness",))


def test_refine_bad_input():
    L = np.zeros((1, 64, 10), dtype=np.int32)
    L[0, 2:5, 2:5] = 1
    with pytest.raises(ValueError, match="sr and hop_length"):
        refine_labels(L, min_size_s=0.1, hop_length=128)
    with pytest.raises(ValueError, match="sr is needed"):
        refine_labels(L, min_size_hz=100.0, n_fft=126)
    with pytest.raises(ValueError, match="pass sr and n_fft"):
        refine_labels(L, min_size_hz=100.0, sr=8000)
    with pytest.raises(ValueError, match="n_fft=256 gives 129"):
        refine_labels(L, min_size_hz=100.0, sr=8000, n_fft=256)
    with pytest.raises(ValueError, match="freqs must have one frequency per bin"):
        refine_labels(L, min_size_hz=100.0, freqs=np.arange(10.0))
    with pytest.raises(ValueError, match="non-negative"):
        refine_labels(-L)
    with pytest.raises(ValueError, match="integer labels"):
        RegionRefiner().fit_transform(L + 0.5)
    with pytest.raises(ValueError, match="opening"):
        refine_labels(L, opening=(0, 2))
