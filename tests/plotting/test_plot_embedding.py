"""plot_embedding / plot_spectrogram with the Agg backend."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from specsk.plotting import plot_embedding, plot_spectrogram  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _data(n_per=10):
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b", "c"], n_per)
    X = rng.standard_normal((3 * n_per, 6))
    X[y == "b", 0] += 5
    X[y == "c", 1] += 5
    return X, y


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_one_point_per_sample_and_legend_per_class(method):
    X, y = _data()
    ax = plot_embedding(X, y, method=method)
    offsets = [c.get_offsets() for c in ax.collections]
    assert [len(o) for o in offsets] == [10, 10, 10]
    assert sum(len(o) for o in offsets) == len(X)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]


def test_pca_coordinates_match_sklearn():
    from sklearn.decomposition import PCA

    X, y = _data()
    ax = plot_embedding(X, y)
    Z = PCA(n_components=2).fit_transform(X)
    np.testing.assert_allclose(ax.collections[1].get_offsets(), Z[y == "b"], rtol=1e-6)


def test_image_batch_labels_and_given_axes():
    rng = np.random.default_rng(1)
    S = rng.random((12, 8, 5))  # images are flattened
    y = np.repeat([0, 1], 6)
    _, ax = plt.subplots()
    out = plot_embedding(S, y, ax=ax, labels={0: "dog", 1: "cat"})
    assert out is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["dog", "cat"]
    out = plot_embedding(S, y, labels=["zero", "one"])
    assert [t.get_text() for t in out.get_legend().get_texts()] == ["zero", "one"]
    unlabelled = plot_embedding(S)
    assert unlabelled.get_legend() is None and len(unlabelled.collections[0].get_offsets()) == 12


def test_embedding_bad_input():
    X, y = _data()
    with pytest.raises(ValueError, match="method"):
        plot_embedding(X, y, method="umap")
    with pytest.raises(ValueError, match="y must have shape"):
        plot_embedding(X, y[:3])
    with pytest.raises(ValueError, match="batch"):
        plot_embedding(X[0])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        plot_embedding(bad)


# plot_spectrogram draws with librosa.display.specshow: a QuadMesh (ax.collections[0]) with
# every cell centred on its bin frequency / frame time, so the axis limits are the centres
# of the first and last bin or frame +- half a cell (before: an imshow extent starting at
# the first frame's time, and tick labels at bin indices for mel bins).


def test_plot_spectrogram_axes():
    S = np.random.default_rng(0).random((33, 20))
    ax = plot_spectrogram(S, sr=8000, hop_length=200, title="x")
    mesh = ax.collections[0]
    x0, x1 = ax.get_xlim()
    frame = 200 / 8000
    assert (x0, x1) == pytest.approx((-frame / 2, 19.5 * frame))  # frame centres in seconds
    y0, y1 = ax.get_ylim()
    assert (y0 + y1) / 2 == pytest.approx(2000)  # 0..sr/2 centred, half-bin margins
    assert y1 - y0 == pytest.approx(4000 + 4000 / 32)
    assert ax.get_ylabel() == "frequency (Hz)" and ax.get_title() == "x"
    assert ax.get_xlabel() == "time (s)"
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(S.shape), S)
    ax = plot_spectrogram(S[None], y_axis="bins")
    assert ax.get_xlabel() == "frame" and ax.get_xlim() == pytest.approx((-0.5, 19.5))
    assert ax.get_ylabel() == "bin" and ax.get_ylim() == pytest.approx((-0.5, 32.5))
    ax = plot_spectrogram(S, sr=8000, y_axis="mel")
    # mel bands from 0 to sr/2 on librosa's mel (symlog) axis
    assert ax.get_yscale() == "symlog"
    y0, y1 = ax.get_ylim()
    assert y0 < 0 < y1 and 4000 < y1 < 4200


def test_plot_spectrogram_axes_from_metadata():
    # what a specsk step made carries its axes: no sr, hop_length or frequencies to re-enter
    from specsk.spectrogram import MelSpectrogram, STFTSpectrogram
    from specsk.utils import SignalArray

    rng = np.random.default_rng(0)
    X = SignalArray.wrap(rng.standard_normal((2, 4000)).astype(np.float32), sr=8000)
    mel = MelSpectrogram(n_fft=256, hop_length=100, n_mels=24, fmin=300.0, fmax=3400.0)
    M = mel.fit_transform(X)
    ax = plot_spectrogram(M[0])
    f = mel.frequencies_
    y0, y1 = ax.get_ylim()
    # the band edges lie half a mel step outside the first and last band centre, within
    # 300..3400 Hz
    assert 300 < y0 < f[0] and f[-1] < y1 < 3400
    assert ax.get_yscale() == "symlog"  # librosa's mel axis
    assert ax.get_ylabel() == "frequency (Hz)" and ax.get_xlabel() == "time (s)"
    assert ax.get_xlim() == pytest.approx((-0.5 * 100 / 8000, (M.shape[-1] - 0.5) * 100 / 8000))
    # evenly spaced STFT bins: a linear Hz axis from the carried frequencies
    D = STFTSpectrogram(n_fft=64, hop_length=32).fit_transform(X)
    ax = plot_spectrogram(D[:1])
    assert ax.get_ylim() == pytest.approx((-62.5, 4062.5)) and ax.get_yscale() == "linear"
    # a cropped band keeps its frequencies
    ax = plot_spectrogram(D[0, 8:16])
    assert ax.get_ylim() == pytest.approx((1000 - 62.5, 1875 + 62.5))
    with pytest.raises(ValueError, match="disagrees"):
        plot_spectrogram(D[0], sr=16000)
    with pytest.raises(ValueError, match="one finite frequency"):
        plot_spectrogram(np.ones((3, 4)), frequencies=[1.0, 2.0])


def test_plot_spectrogram_bad_input():
    with pytest.raises(ValueError, match="one spectrogram"):
        plot_spectrogram(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="y_axis"):  # "log" is a valid axis now (specshow)
        plot_spectrogram(np.ones((3, 4)), y_axis="spiral")
    with pytest.raises(ValueError, match="sr"):
        plot_spectrogram(np.ones((3, 4)), sr=-1)


def test_import_without_matplotlib():
    # matplotlib and librosa.display are imported inside the functions only
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import specsk.plotting as p\n"
        "assert 'librosa.display' not in sys.modules\n"
        "try:\n"
        "    p.plot_feature_importance([1.0])\n"
        "except ImportError as e:\n"
        "    assert 'matplotlib' in str(e)\n"
        "else:\n"
        "    raise AssertionError('no ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
