"""TemporalStats / temporal_stats against NumPy, SciPy and librosa."""

import librosa
import numpy as np
import pytest
from scipy import stats as sps

from specsk.features import TemporalStats, temporal_stats

ALL = ("mean", "std", "min", "max", "median", "skew", "kurtosis")


def _ref(X, stats, percentiles=()):
    fns = {
        "mean": lambda a: a.mean(-1),
        "std": lambda a: a.std(-1),
        "min": lambda a: a.min(-1),
        "max": lambda a: a.max(-1),
        "median": lambda a: np.median(a, -1),
        "skew": lambda a: sps.skew(a, axis=-1, bias=True),
        "kurtosis": lambda a: sps.kurtosis(a, axis=-1, fisher=True, bias=True),
    }
    cols = [fns[s](X).reshape(len(X), -1) for s in stats]
    cols += [np.percentile(X, p, axis=-1).reshape(len(X), -1) for p in percentiles]
    return np.concatenate(cols, axis=1)


@pytest.mark.parametrize("shape", [(4, 3, 17), (4, 2, 3, 17)])
def test_matches_numpy_scipy(shape):
    X = np.random.default_rng(0).gamma(2.0, size=shape)
    T = temporal_stats(X, stats=ALL, percentiles=(10, 90))
    np.testing.assert_allclose(T, _ref(X, ALL, (10, 90)), rtol=1e-10, atol=1e-12)


def test_float32_kept_and_close():
    X = np.random.default_rng(1).standard_normal((3, 5, 40)).astype(np.float32)
    T = temporal_stats(X, stats=ALL, percentiles=(25,))
    assert T.dtype == np.float32
    # float32 moments: a few ulps times the sample size
    np.testing.assert_allclose(T, _ref(X.astype(np.float64), ALL, (25,)), rtol=1e-4, atol=1e-5)


def test_hand_checked_small():
    X = np.array([[[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 8.0]]])
    T = temporal_stats(X, stats=("mean", "min", "max", "median"), percentiles=(50,))
    np.testing.assert_allclose(T[0], [2.5, 2.0, 1.0, 0.0, 4.0, 8.0, 2.5, 0.0, 2.5, 0.0])


def test_constant_rows_give_zero_not_nan():
    X = np.ones((2, 3, 10))
    X[:, 0] = 0.0
    T = temporal_stats(X, stats=("skew", "kurtosis", "std"))
    np.testing.assert_array_equal(T, 0.0)


@pytest.mark.parametrize("order", [1, 2])
def test_deltas_match_librosa(order):
    X = np.random.default_rng(2).standard_normal((3, 4, 30))
    T = temporal_stats(X, stats=("mean", "std"), deltas=order, delta_width=9)
    blocks = [X] + [
        librosa.feature.delta(X, width=9, order=k, axis=-1) for k in range(1, order + 1)
    ]
    ref = np.concatenate([_ref(B, ("mean", "std")) for B in blocks], axis=1)
    np.testing.assert_allclose(T, ref, rtol=1e-10, atol=1e-12)


def test_estimator_names_3d_4d():
    X = np.random.default_rng(0).standard_normal((5, 3, 20)).astype(np.float32)
    est = TemporalStats(stats=("mean", "std"), percentiles=(10, 12.5), deltas=True).fit(X)
    names = est.get_feature_names_out()
    T = est.transform(X)
    assert T.dtype == np.float32
    assert T.shape == (5, len(names)) == (5, 2 * 4 * 3)
    assert len(set(names)) == len(names)
    assert list(names[:4]) == ["mean_r0", "mean_r1", "mean_r2", "std_r0"]
    assert "p12.5_r2" in names and "delta_p10_r0" in names
    X4 = np.random.default_rng(0).standard_normal((5, 2, 3, 20))
    est4 = TemporalStats(stats=("mean", "std")).fit(X4)
    names4 = est4.get_feature_names_out()
    assert est4.transform(X4).shape == (5, 12) == (5, len(names4))
    assert list(names4[:4]) == ["ch0_mean_r0", "ch0_mean_r1", "ch0_mean_r2", "ch1_mean_r0"]
    assert "ch1_std_r2" in names4
    T4 = est4.transform(X4)
    np.testing.assert_allclose(T4[:, 3], X4[:, 1, 0].mean(-1), rtol=1e-12)
    df = TemporalStats().set_output(transform="pandas").fit_transform(X)
    assert list(df.columns) == [f"{s}_r{r}" for s in ("mean", "std") for r in range(3)]


@pytest.mark.parametrize(
    "params, match",
    [
        ({"stats": ("mean", "variance")}, "stats has unknown"),
        ({"stats": ("mean", "mean")}, "stats must not repeat"),
        ({"percentiles": (10, 120)}, "percentiles must lie"),
        ({"deltas": 3}, "deltas"),
        ({"deltas": True, "delta_width": 4}, "delta_width must be an odd"),
        ({"deltas": True, "delta_width": 31}, "delta_width=31 needs at least 31 frames"),
        ({"stats": (), "percentiles": ()}, "both empty"),
    ],
)
def test_invalid(params, match):
    X = np.ones((2, 3, 20))
    with pytest.raises(ValueError, match=match):
        TemporalStats(**params).fit(X)


def test_transform_other_rows():
    est = TemporalStats().fit(np.ones((2, 3, 20)))
    with pytest.raises(ValueError, match="fitted on 3 rows"):
        est.transform(np.ones((2, 3, 4, 20)))
    with pytest.raises(ValueError, match="expecting 3"):
        est.transform(np.ones((2, 4, 20)))
