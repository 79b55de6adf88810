"""Template matching: batched NCC against skimage.feature.match_template, and a 3-class task.

The 3-class task (40 bins x 60 frames, dB, Gaussian noise with 3 dB std, sounds 10 dB above
it, random onset, +-1 bin pitch jitter): class 0 a tone, class 1 an upward chirp, class 2 a
harmonic stack. The class of the best-scoring template must be right for every test clip
(accuracy 1.0), with both learning methods.
"""

import numpy as np
import pytest
from skimage.feature import match_template as sk_match_template
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from specsk.segmentation import TemplateMatching, match_template

H, W = 40, 60
SR, HOP = 8000, 128  # 16 ms per frame


def sound(kind, onset, shift):
    m = np.zeros((H, W), bool)
    if kind == 0:
        m[10 + shift : 13 + shift, onset : onset + 16] = True
    elif kind == 1:
        for k in range(16):
            r = 20 + shift + (3 * k) // 4
            m[r : r + 3, onset + k] = True
    else:
        for r in (6, 12, 18):
            m[r + shift : r + shift + 2, onset : onset + 12] = True
    return m


def make_task(n_per_class, seed):
    rng = np.random.default_rng(seed)
    X, y, onsets = [], [], []
    for kind in range(3):
        for _ in range(n_per_class):
            onset = int(rng.integers(2, W - 18))
            img = rng.normal(0.0, 3.0, (H, W))
            img[sound(kind, onset, int(rng.integers(-1, 2)))] += 10.0
            X.append(img)
            y.append(kind)
            onsets.append(onset)
    return np.array(X, dtype=np.float32), np.array(y), np.array(onsets)


@pytest.mark.parametrize("pad_input", [False, True])
@pytest.mark.parametrize("tshape", [(5, 8), (16, 16), (1, 1), (40, 60)])
def test_batched_ncc_equals_skimage(pad_input, tshape):
    rng = np.random.default_rng(0)
    S = rng.random((4, H, W))
    t = rng.random(tshape)
    R = match_template(S, t, pad_input=pad_input)
    ref = np.stack([sk_match_template(img, t, pad_input=pad_input) for img in S])
    assert R.shape == ref.shape
    np.testing.assert_allclose(R, ref, atol=1e-10)
    # float32: computed in float64, returned as float32; skimage computes in float32
    S32, t32 = S.astype(np.float32), t.astype(np.float32)
    R32 = match_template(S32, t32, pad_input=pad_input)
    ref32 = np.stack([sk_match_template(img, t32, pad_input=pad_input) for img in S32])
    assert R32.dtype == np.float32
    np.testing.assert_allclose(R32, ref32, atol=1e-5)


@pytest.mark.parametrize("pad_input", [False, True])
def test_ncc_of_selected_rows_equals_full_map(pad_input):
    from specsk.segmentation._template import _Prepared

    rng = np.random.default_rng(0)
    S = rng.random((3, H, W))
    t = rng.random((9, 7))
    prep = _Prepared(S, t.shape)
    full = prep.ncc(t, pad_input=pad_input, eps=1e-16)
    rows = np.array([0, 3, 4, 5, full.shape[1] - 1])
    part = prep.ncc(t, pad_input=pad_input, eps=1e-16, rows=rows)
    np.testing.assert_allclose(part, full[:, rows], atol=1e-10)


@pytest.mark.parametrize("method", ["median_strongest_region", "mean"])
def test_three_class_task(method):
    Xtr, ytr, _ = make_task(10, seed=1)
    Xte, yte, _ = make_task(10, seed=2)
    tm = TemplateMatching(template_shape=(16, 16), method=method, sr=SR, hop_length=HOP)
    F = tm.fit(Xtr, ytr).transform(Xte)
    names = tm.get_feature_names_out()
    assert list(names[:3]) == ["tm_0_0_score", "tm_0_0_time", "tm_0_0_freq"]
    scores = F[:, 0::3]
    pred = tm.classes_[scores.argmax(axis=1)]
    assert np.mean(pred == yte) == 1.0
    # the same through a classifier
    clf = make_pipeline(tm, StandardScaler(), LogisticRegression(max_iter=500))
    assert clf.fit(Xtr, ytr).score(Xte, yte) >= 0.9


def test_time_and_frequency_of_the_match():
    Xtr, ytr, _ = make_task(10, seed=1)
    tm = TemplateMatching(template_shape=(8, 12), method="mean", sr=SR, hop_length=HOP,
                          n_fft=78).fit(Xtr, ytr)  # fmt: skip
    # a clean tone (class 0) at a known onset: the match is centred on it within +-1 frame
    # (+-16 ms) and +-1 bin (+-102.6 Hz with n_fft=78)
    img = np.zeros((1, H, W), dtype=np.float32)
    onset = 30
    img[0, 10:13, onset : onset + 16] = 10.0
    F = tm.transform(img)
    names = list(tm.get_feature_names_out())
    t = F[0, names.index("tm_0_0_time")]
    f = F[0, names.index("tm_0_0_freq")]
    t_win = tm.templates_[0]
    # the template is a 12-frame window of the tone; its centre column lies inside the tone
    assert onset * HOP / SR - HOP / SR <= t <= (onset + 16) * HOP / SR + HOP / SR
    assert abs(f - 11 * SR / 78) <= SR / 78 + 1e-3
    assert t_win.shape == (8, 12)


def test_freq_shift_restricts_the_search():
    Xtr, ytr, _ = make_task(10, seed=1)
    kw = dict(template_shape=(16, 16), sr=SR, hop_length=HOP)
    near = TemplateMatching(freq_shift=2, **kw).fit(Xtr, ytr)
    anywhere = TemplateMatching(freq_shift=None, **kw).fit(Xtr, ytr)
    # a tone 12 bins higher than in training: found anywhere, not within +-2 bins
    img = np.random.default_rng(3).normal(0, 3.0, (1, H, W)).astype(np.float32)
    img[0, 22:25, 20:36] += 10.0
    s_near = near.transform(img)[0, 0]
    s_any = anywhere.transform(img)[0, 0]
    assert s_any > 0.5 > s_near
    row = near.transform(img)[0, 2]
    assert abs(row - near.template_rows_[0]) <= 2


def test_user_templates():
    Xtr, ytr, _ = make_task(5, seed=1)
    tone = np.zeros((5, 16))
    tone[1:4] = 1.0
    tm = TemplateMatching(templates={"tone": tone, "other": [np.eye(5, 16), np.eye(5, 16)[::-1]]},
                          sr=SR, hop_length=HOP).fit(Xtr)  # fmt: skip
    assert list(tm.get_feature_names_out()[::3]) == [
        "tm_tone_0_score", "tm_other_0_score", "tm_other_1_score"
    ]  # fmt: skip
    F = tm.transform(Xtr)
    assert F.shape == (len(Xtr), 9)
    # the tone template scores highest on the tone clips
    assert F[ytr == 0, 0].mean() > F[ytr != 0, 0].mean() + 0.2
    # its frequency position was learned from the data: the tone's centre bin (11 +- 1)
    assert abs(tm.template_rows_[0] - 11) <= 1


def test_template_bad_input():
    Xtr, ytr, _ = make_task(2, seed=1)
    with pytest.raises(ValueError, match="y is required"):
        TemplateMatching().fit(Xtr)
    with pytest.raises(ValueError, match="larger than the images"):
        TemplateMatching(templates={"a": np.ones((50, 5))}).fit(Xtr)
    with pytest.raises(ValueError, match="template_shape"):
        TemplateMatching(template_shape=(0, 4)).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="method"):
        TemplateMatching(method="max").fit(Xtr, ytr)
    with pytest.raises(ValueError, match="freq_shift"):
        TemplateMatching(freq_shift=-1).fit(Xtr, ytr)
    bad = Xtr.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TemplateMatching().fit(bad, ytr)
    with pytest.raises(ValueError, match="3-D"):
        TemplateMatching().fit(Xtr[0], ytr[:1])
    with pytest.raises(ValueError, match="larger than the images"):
        match_template(Xtr, np.ones((41, 2)))
    with pytest.raises(ValueError, match="2-D"):
        match_template(Xtr, np.ones(3))
    tm = TemplateMatching(template_shape=(8, 8)).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="features"):
        tm.transform(Xtr[:, :30])
