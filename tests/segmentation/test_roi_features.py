"""regions_table / ROIFeatures: positions in seconds and Hz, shape measures vs scikit-image.

Scales used: sr = 8000 Hz, hop_length = 128 (one frame = 16 ms), n_fft = 126 (64 bins,
one bin = 63.49 Hz). Checked: onset / offset within +-1 frame (+-16 ms) and lowest / highest
frequency within +-1 bin (+-63.5 Hz) of the true boxes, on a 10 dB SNR scene (boxes 10 dB
above Gaussian dB noise with 2 dB std, 8 noise draws; Otsu + opening 2 x 2 + min area 20),
and exactly on clean boxes.
"""

import numpy as np
import pandas as pd
import pytest
from skimage.measure import regionprops
from sklearn.pipeline import make_pipeline

from specsk.segmentation import (
    RegionRefiner,
    ROIFeatures,
    ThresholdSegmenter,
    regions_table,
)

SR, HOP, NFFT = 8000, 128, 126
FRAME_S = HOP / SR  # 16 ms
BIN_HZ = SR / NFFT  # 63.49 Hz
# (r0, r1, c0, c1): bins r0..r1-1, frames c0..c1-1
BOXES = [(6, 11, 4, 24), (30, 42, 40, 52), (50, 54, 60, 90)]


def scene(n=4, noise_db=3.0, snr_db=10.0, seed=0):
    rng = np.random.default_rng(seed)
    S = rng.normal(0.0, noise_db, (n, 64, 100)) if noise_db else np.zeros((n, 64, 100))
    for r0, r1, c0, c1 in BOXES:
        S[:, r0:r1, c0:c1] += snr_db
    return S.astype(np.float32)


def _match(table, clip):
    """The table row of every true box (the region overlapping its centre)."""
    rows = table[table["clip"] == clip]
    out = []
    for r0, r1, c0, c1 in BOXES:
        rc, cc = (r0 + r1 - 1) / 2 * BIN_HZ, (c0 + c1) / 2 * FRAME_S
        hit = rows[(rows.low_hz <= rc) & (rows.high_hz >= rc) & (rows.onset_s <= cc)
                   & (rows.offset_s >= cc)]  # fmt: skip
        assert len(hit) == 1, f"box {(r0, r1, c0, c1)} found {len(hit)} times in clip {clip}"
        out.append(hit.iloc[0])
    return out


def test_regions_table_exact_on_clean_boxes():
    S = scene(n=2, noise_db=0.0)
    t = regions_table(S, sr=SR, hop_length=HOP, n_fft=NFFT)
    assert isinstance(t, pd.DataFrame)
    assert len(t) == 2 * len(BOXES)
    for clip in (0, 1):
        for (r0, r1, c0, c1), row in zip(BOXES, _match(t, clip), strict=True):
            assert row.onset_s == pytest.approx(c0 * FRAME_S)
            assert row.offset_s == pytest.approx(c1 * FRAME_S)
            assert row.duration_s == pytest.approx((c1 - c0) * FRAME_S)
            assert row.low_hz == pytest.approx(r0 * BIN_HZ)
            assert row.high_hz == pytest.approx((r1 - 1) * BIN_HZ)
            assert row.bandwidth_hz == pytest.approx((r1 - r0) * BIN_HZ)
            assert row.area == (r1 - r0) * (c1 - c0)
            assert row.solidity == pytest.approx(1.0)
            assert row.centroid_hz == pytest.approx((r0 + r1 - 1) / 2 * BIN_HZ)
            assert row.centroid_s == pytest.approx((c0 + c1 - 1) / 2 * FRAME_S)
            assert row.mean_level == pytest.approx(10.0)


def test_regions_table_on_noisy_scene_within_one_frame_and_one_bin():
    S = scene(n=8, noise_db=2.0)
    seg = make_pipeline(ThresholdSegmenter(method="otsu"), RegionRefiner(min_area=20, opening=2))
    t = regions_table(S, segmenter=seg, sr=SR, hop_length=HOP, n_fft=NFFT)
    for clip in range(8):
        for (r0, r1, c0, c1), row in zip(BOXES, _match(t, clip), strict=True):
            assert abs(row.onset_s - c0 * FRAME_S) <= FRAME_S + 1e-9  # +-16 ms
            assert abs(row.offset_s - c1 * FRAME_S) <= FRAME_S + 1e-9
            assert abs(row.low_hz - r0 * BIN_HZ) <= BIN_HZ + 1e-9  # +-63.5 Hz
            assert abs(row.high_hz - (r1 - 1) * BIN_HZ) <= BIN_HZ + 1e-9


def test_shape_measures_match_regionprops():
    S = scene(n=2)
    labels = ThresholdSegmenter(method="otsu").fit_transform(S)
    t = regions_table(S, labels=labels, sr=SR, hop_length=HOP, n_fft=NFFT)
    for clip in range(2):
        floor = S[clip].min()
        props = regionprops(labels[clip], intensity_image=S[clip].astype(np.float64) - floor)
        rows = t[t["clip"] == clip].set_index("label")
        for p in props:
            row = rows.loc[p.label]
            assert row.area == p.area
            assert row.eccentricity == pytest.approx(p.eccentricity, abs=1e-5)  # sqrt of roundoff
            if p.area > 2 and min(p.image.shape) > 1:
                assert row.solidity == pytest.approx(p.solidity, abs=1e-9)
            wr, wc = p.centroid_weighted
            assert row.centroid_hz == pytest.approx(wr * BIN_HZ, rel=1e-6)
            assert row.centroid_s == pytest.approx(wc * FRAME_S, rel=1e-6)
            assert row.max_level == pytest.approx(p.intensity_max + floor, rel=1e-6)
            assert row.energy == pytest.approx(p.intensity_mean * p.area, rel=1e-6)


def test_roi_features_rows():
    S = scene(n=3, noise_db=0.0)
    S[2] = 0.0  # a silent clip: no region
    roi = ROIFeatures(sr=SR, hop_length=HOP, n_fft=NFFT, top_k=4, stats=("mean", "max", "std"))
    F = roi.fit_transform(S)
    names = list(roi.get_feature_names_out())
    assert F.dtype == np.float32 and F.shape == (3, len(names))
    col = {n: i for i, n in enumerate(names)}
    assert F[0, col["roi_count"]] == 3
    # the strongest region (most energy) is the largest box; fewer regions than top_k: zeros
    assert F[0, col["roi_top0_onset_s"]] == pytest.approx(40 * FRAME_S)
    assert F[0, col["roi_top0_low_hz"]] == pytest.approx(30 * BIN_HZ)
    assert F[0, col["roi_top1_duration_s"]] == pytest.approx(30 * FRAME_S)
    assert np.all(F[0, col["roi_top3_onset_s"] : col["roi_top3_onset_s"] + 19] == 0)
    durations = np.array([(c1 - c0) * FRAME_S for _, _, c0, c1 in BOXES])
    assert F[0, col["roi_mean_duration_s"]] == pytest.approx(durations.mean(), rel=1e-6)
    assert F[0, col["roi_max_duration_s"]] == pytest.approx(durations.max(), rel=1e-6)
    assert F[0, col["roi_std_duration_s"]] == pytest.approx(durations.std(), rel=1e-5)
    assert np.all(F[2] == 0)
    assert "roi_top0_peak_hz" in names and "roi_mean_glcm_contrast" in names


def test_roi_features_custom_freqs_and_no_texture():
    S = scene(n=2, noise_db=0.0)
    freqs = np.geomspace(60.0, 4000.0, 64)
    roi = ROIFeatures(sr=SR, hop_length=HOP, freqs=freqs, top_k=1, texture=False,
                      stats=("median",)).fit(S)  # fmt: skip
    names = list(roi.get_feature_names_out())
    assert not any("glcm" in n for n in names)
    F = roi.transform(S)
    assert F[0, names.index("roi_top0_low_hz")] == pytest.approx(freqs[30])
    assert F[0, names.index("roi_top0_high_hz")] == pytest.approx(freqs[41])


def test_roi_bad_input():
    S = scene(n=2)
    with pytest.raises(ValueError, match="n_fft=2048 gives 1025"):
        ROIFeatures(n_fft=2048).fit(S)
    with pytest.raises(ValueError, match="freqs must have one frequency per bin"):
        ROIFeatures(freqs=np.arange(10.0) + 1).fit(S)
    with pytest.raises(ValueError, match="stats"):
        ROIFeatures(sr=SR, hop_length=HOP, n_fft=NFFT, stats=("mode",)).fit(S)
    with pytest.raises(ValueError, match="sr is required"):
        regions_table(S, sr=None, hop_length=HOP, n_fft=NFFT)
    with pytest.raises(ValueError, match="labels have shape"):
        regions_table(S, labels=np.zeros((2, 10, 10), int), sr=SR, hop_length=HOP, n_fft=NFFT)
    bad = S.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ROIFeatures(sr=SR, hop_length=HOP, n_fft=NFFT).fit(bad)
    with pytest.raises(ValueError, match="3-D"):
        ROIFeatures(sr=SR, hop_length=HOP, n_fft=NFFT).fit(S[0])
    with pytest.raises(ValueError, match="hop_length"):
        ROIFeatures(sr=SR, hop_length=0, n_fft=NFFT).fit(S)
