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


def test_plot_spectrogram_axes():
    S = np.random.default_rng(0).random((33, 20))
    ax = plot_spectrogram(S, sr=8000, hop_length=200, title="x")
    im = ax.images[0]
    assert im.origin == "lower"
    _, x1, y0, y1 = im.get_extent()
    assert x1 == pytest.approx(20 * 200 / 8000)  # time in seconds
    assert (y0 + y1) / 2 == pytest.approx(2000)  # 0..sr/2 centred, half-bin margins
    assert ax.get_ylabel() == "frequency (Hz)" and ax.get_title() == "x"
    np.testing.assert_array_equal(im.get_array(), S)
    ax = plot_spectrogram(S[None], y_axis="bins")
    assert ax.get_xlabel() == "frame" and ax.images[0].get_extent()[1] == 20
    ax = plot_spectrogram(S, sr=8000, y_axis="mel")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "0" and labels[-1] == "4000"


def test_plot_spectrogram_axes_from_metadata():
    # what a specsk step made carries its axes: no sr, hop_length or frequencies to re-enter
    from specsk.spectrogram import MelSpectrogram, STFTSpectrogram
    from specsk.utils import SignalArray

    rng = np.random.default_rng(0)
    X = SignalArray.wrap(rng.standard_normal((2, 4000)).astype(np.float32), sr=8000)
    mel = MelSpectrogram(n_fft=256, hop_length=100, n_mels=24, fmin=300.0, fmax=3400.0)
    M = mel.fit_transform(X)
    ax = plot_spectrogram(M[0])
    labels = [float(t.get_text()) for t in ax.get_yticklabels()]
    assert labels[0] == pytest.approx(mel.frequencies_[0], abs=0.5) and labels[0] > 300
    assert labels[-1] == pytest.approx(mel.frequencies_[-1], abs=0.5) and labels[-1] < 3400
    assert ax.get_ylabel() == "frequency (Hz)" and ax.get_xlabel() == "time (s)"
    assert ax.images[0].get_extent()[1] == pytest.approx(M.shape[-1] * 100 / 8000)
    # evenly spaced STFT bins: a Hz axis from the carried frequencies
    D = STFTSpectrogram(n_fft=64, hop_length=32).fit_transform(X)
    _, _, y0, y1 = plot_spectrogram(D[:1]).images[0].get_extent()
    assert (y0, y1) == pytest.approx((-62.5, 4062.5))
    # a cropped band keeps its frequencies
    _, _, y0, y1 = plot_spectrogram(D[0, 8:16]).images[0].get_extent()
    assert (y0, y1) == pytest.approx((1000 - 62.5, 1875 + 62.5))
    with pytest.raises(ValueError, match="disagrees"):
        plot_spectrogram(D[0], sr=16000)
    with pytest.raises(ValueError, match="one finite frequency"):
        plot_spectrogram(np.ones((3, 4)), frequencies=[1.0, 2.0])


def test_plot_spectrogram_bad_input():
    with pytest.raises(ValueError, match="one spectrogram"):
        plot_spectrogram(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="y_axis"):
        plot_spectrogram(np.ones((3, 4)), y_axis="log")
    with pytest.raises(ValueError, match="sr"):
        plot_spectrogram(np.ones((3, 4)), sr=-1)
