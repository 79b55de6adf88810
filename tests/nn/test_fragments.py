"""FragmentClassifier and make_fragments (no torch needed except for the CNN test)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

pytest.importorskip("torch")  # specsk.nn imports torch eagerly
pytest.importorskip("skorch")

from specsk.datasets import make_sounds
from specsk.exceptions import ShortClipWarning
from specsk.features import TemporalStats
from specsk.nn import FragmentClassifier
from specsk.nn._fragments import make_fragments
from specsk.spectrogram import MelSpectrogram, PowerToDb


def _manual(X, L, hop, axis=-1):
    ax = axis % X.ndim
    T = X.shape[ax]
    starts = range(0, T - L + 1, hop)
    return np.stack([np.take(x, np.arange(s, s + L), axis=ax - 1) for x in X for s in starts]), len(
        starts
    )


@pytest.mark.parametrize("shape", [(3, 20), (2, 4, 17), (2, 2, 3, 11)])
@pytest.mark.parametrize("L, hop", [(5, None), (4, 3), (1, 1), (6, 7)])
def test_make_fragments_matches_slicing(shape, L, hop):
    X = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    F, k = make_fragments(X, L, hop)
    ref, k_ref = _manual(X, L, hop or L)
    assert k == k_ref
    np.testing.assert_array_equal(F, ref)
    assert F.dtype == np.float32


def test_make_fragments_other_axis_and_short_clips():
    X = np.arange(2 * 9 * 4, dtype=np.float64).reshape(2, 9, 4)
    F, k = make_fragments(X, 3, 2, axis=1)
    ref, _ = _manual(X, 3, 2, axis=1)
    np.testing.assert_array_equal(F, ref)
    assert F.shape == (2 * 4, 3, 4)
    with pytest.warns(ShortClipWarning, match="fragment_length=8"):
        F, k = make_fragments(np.ones((2, 5)), 8)
    assert k == 1 and F.shape == (2, 8)
    np.testing.assert_array_equal(F[:, 5:], 0.0)
    with pytest.raises(ValueError, match="axis must not be 0"):
        make_fragments(np.ones((2, 5)), 2, axis=0)


def _blocks(n=40, T=60, seed=0):
    """Waveform-like rows whose class shows in every fragment (mean level)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, T)) + 1.5 * y[:, None]
    return X, y


class _Spy(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        self.seen_ = (X.shape, np.asarray(y).copy(), sample_weight)
        return super().fit(X, y, sample_weight=sample_weight)


def test_trains_on_fragments_with_repeated_labels():
    X, y = _blocks(6, 50)
    w = np.arange(6.0) + 1
    clf = FragmentClassifier(_Spy(), fragment_length=10, hop=5).fit(X, y, sample_weight=w)
    shape, yy, sw = clf.estimator_.seen_
    assert clf.n_fragments_ == 9 and shape == (54, 10)
    np.testing.assert_array_equal(yy, np.repeat(y, 9))
    np.testing.assert_array_equal(sw, np.repeat(w, 9))
    assert clf.n_features_in_ == 50


@pytest.mark.parametrize("aggregate", ["mean", "max", "vote"])
def test_aggregation(aggregate):
    X, y = _blocks()
    clf = FragmentClassifier(fragment_length=12, aggregate=aggregate).fit(X, y)
    F, k = make_fragments(X, 12)
    frag = clf.estimator_.predict_proba(F).reshape(len(X), k, 2)
    if aggregate == "mean":
        expected = frag.mean(1)
    elif aggregate == "max":
        expected = frag.max(1) / frag.max(1).sum(1, keepdims=True)
    else:
        votes = clf.estimator_.predict(F).reshape(len(X), k)
        expected = np.stack([(votes == c).mean(1) for c in clf.classes_], axis=1)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=1e-12)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
    assert clf.score(X, y) > 0.9


def test_vote_works_without_predict_proba():
    X, y = _blocks()
    clf = FragmentClassifier(LinearSVC(), fragment_length=12, aggregate="vote").fit(X, y)
    assert clf.score(X, y) > 0.9
    with pytest.raises(AttributeError, match="needs an estimator with predict_proba"):
        FragmentClassifier(LinearSVC(), fragment_length=12).fit(X, y).predict_proba(X)


def test_waveform_pipeline_on_make_sounds_and_other_lengths():
    sr = 8000
    X, y = make_sounds(n_classes=3, n_per_class=12, sr=sr, duration=0.5, random_state=0)
    Xt, yt = make_sounds(n_classes=3, n_per_class=8, sr=sr, duration=0.75, random_state=1)
    pipe = make_pipeline(
        MelSpectrogram(sr=sr, n_fft=256, hop_length=128, n_mels=24),
        PowerToDb(),
        TemporalStats(),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    # 1000-sample fragments (1/8 s) with 50 % overlap
    clf = FragmentClassifier(pipe, fragment_length=1000, hop=500).fit(X, y)
    assert clf.n_fragments_ == 7
    assert clf.score(Xt, yt) >= 0.7  # chance 1/3; test clips are longer than training clips
    assert list(clf.classes_) == [0, 1, 2]


def test_around_a_tiny_cnn_on_spectrograms():
    from specsk.nn import SpectrogramCNNClassifier

    rng = np.random.default_rng(0)
    X = rng.random((24, 16, 32), dtype=np.float32)
    y = np.repeat(["low", "high"], 12)
    X[y == "low", 2:5] += 2.0
    X[y == "high", 10:13] += 2.0
    net = SpectrogramCNNClassifier(
        max_epochs=4, lr=1e-2, batch_size=16, module__n_filters=4, module__n_blocks=2
    )
    clf = FragmentClassifier(net, fragment_length=8).fit(X[:, None], y)
    assert clf.estimator_.input_shape_ == (1, 16, 8)
    assert clf.n_fragments_ == 4
    assert len(clf.estimator_.history) == 4
    proba = clf.predict_proba(X[:, None])
    assert proba.shape == (24, 2)
    assert clf.score(X[:, None], y) >= 0.9


def test_clone_and_pickle():
    import pickle

    X, y = _blocks()
    clf = FragmentClassifier(LogisticRegression(C=0.5), fragment_length=12, hop=6)
    c = clone(clf)
    assert c.estimator.C == 0.5 and c.get_params()["estimator__C"] == 0.5
    clf.fit(X, y)
    r = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(r.predict_proba(X), clf.predict_proba(X))


def test_errors():
    X, y = _blocks(8, 30)
    with pytest.raises(NotFittedError):
        FragmentClassifier(fragment_length=5).predict(X)
    with pytest.raises(ValueError, match="'fragment_length' parameter"):
        FragmentClassifier(fragment_length=0).fit(X, y)
    with pytest.raises(ValueError, match="'aggregate' parameter"):
        FragmentClassifier(aggregate="median").fit(X, y)
    with pytest.raises(ValueError, match="batch axis"):
        FragmentClassifier(fragment_length=5, axis=0).fit(X, y)
    with pytest.raises(ValueError, match="must be a batch of clips"):
        FragmentClassifier(fragment_length=5).fit(X[0], y[:1])
    with pytest.raises(ValueError, match="NaN"):
        FragmentClassifier(fragment_length=5).fit(np.full((8, 30), np.nan), y)
    with pytest.raises(ValueError, match="has 8 clips but y has 7"):
        FragmentClassifier(fragment_length=5).fit(X, y[:7])
    clf = FragmentClassifier(fragment_length=5).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 2-D"):
        clf.predict(X[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clf.predict(X[:, :12]).shape == (8,)  # shorter clips: fewer fragments


def test_fragments_module_does_not_need_torch():
    code = (
        "import sys, types\n"
        "import specsk\n"
        "pkg = types.ModuleType('specsk.nn'); pkg.__path__ = [specsk.__path__[0] + '/nn']\n"
        "sys.modules['specsk.nn'] = pkg\n"
        "from specsk.nn._fragments import FragmentClassifier\n"
        "import numpy as np\n"
        "X = np.random.default_rng(0).standard_normal((6, 40)); y = [0, 1] * 3\n"
        "FragmentClassifier(fragment_length=10).fit(X, y).predict(X)\n"
        "assert 'torch' not in sys.modules and 'skorch' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_fragment_classifier_needs_no_torch():
    """Without torch/skorch, specsk.nn still gives FragmentClassifier; the rest says what to
    install, and the registry lists only what works."""
    import subprocess
    import sys

    code = """
import importlib.util
real = importlib.util.find_spec  # specsk asks find_spec whether the extra is installed
importlib.util.find_spec = lambda n, *a, **k: None if n in ('torch', 'skorch') else real(n, *a, **k)
from specsk.nn import FragmentClassifier
from specsk.registry import all_estimators
names = [n for n, _ in all_estimators(kind='model')]
assert names == ['FragmentClassifier'], names
try:
    from specsk.nn import SpectrogramCNNClassifier
except ImportError as exc:
    assert 'pip install torch==2.13.0' in str(exc), exc
else:
    raise AssertionError('expected ImportError')
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
