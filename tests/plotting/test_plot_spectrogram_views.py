"""plot_spectrogram (specshow axes), plot_filter_comparison, plot_gallery, plot_segmentation."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from specsk.plotting import (  # noqa: E402
    plot_filter_comparison,
    plot_gallery,
    plot_segmentation,
    plot_spectrogram,
)
from specsk.utils import SignalArray  # noqa: E402

SR = 8000
HOP = 100


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def waves():
    # two tones per class, 6 clips, 0.5 s each, tagged with their sample rate
    rng = np.random.default_rng(0)
    t = np.arange(SR // 2) / SR
    clips = [
        np.sin(2 * np.pi * (500 + 500 * (k % 3)) * t) * ((t > 0.1) & (t < 0.35))
        + 0.1 * rng.standard_normal(len(t))
        for k in range(6)
    ]
    return SignalArray.wrap(np.asarray(clips, np.float32), sr=SR)


@pytest.fixture(scope="module")
def mel_db(waves):
    from specsk.spectrogram import MelSpectrogram, PowerToDb

    mel = MelSpectrogram(n_fft=256, hop_length=HOP, n_mels=32, fmin=300.0, fmax=3400.0)
    return PowerToDb().fit_transform(mel.fit_transform(waves)), mel


def _edges_half_step(c, fwd=np.asarray, inv=np.asarray):
    w = np.asarray(fwd(np.asarray(c, float)))
    return float(inv(w[0] - (w[1] - w[0]) / 2)), float(inv(w[-1] + (w[-1] - w[-2]) / 2))


# -- plot_spectrogram -----------------------------------------------------------------------
def test_mel_cells_are_centred_in_mel_scale(mel_db):
    import librosa

    M, mel = mel_db
    ax = plot_spectrogram(M[0])
    lo, hi = _edges_half_step(mel.frequencies_, librosa.hz_to_mel, librosa.mel_to_hz)
    assert ax.get_ylim() == pytest.approx((lo, hi))
    assert 300 < lo and hi < 3400
    mesh = ax.collections[0]
    assert len(ax.collections) == 1
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(M[0].shape), M[0])
    # the frame cells are centred on the carried frame times
    assert ax.get_xlim() == pytest.approx(_edges_half_step(M.times))


def test_cqt_bins_get_a_log_axis(waves):
    from specsk.spectrogram import CQTSpectrogram, STFTSpectrogram

    C = CQTSpectrogram(fmin=110.0, n_bins=48, hop_length=128).fit_transform(waves)
    ax = plot_spectrogram(C[0], to_db="amplitude")
    f = C.frequencies
    ratio = f[1] / f[0]
    assert ax.get_yscale() == "log"
    assert ax.get_ylim() == pytest.approx((f[0] / np.sqrt(ratio), f[-1] * np.sqrt(ratio)))
    # an STFT on a log axis (librosa's symlog: the 0 Hz bin stays visible)
    D = STFTSpectrogram(n_fft=256, hop_length=HOP).fit_transform(waves)
    ax = plot_spectrogram(D[0], y_axis="log")
    assert ax.get_yscale() == "symlog" and ax.get_ylim()[0] < 0 < ax.get_ylim()[1]


def test_rows_that_are_not_frequency_bins_show_indices(waves):
    from specsk.spectrogram import MFCC

    F = MFCC(n_mfcc=13, n_fft=256, hop_length=HOP).fit_transform(waves)
    ax = plot_spectrogram(F[0])
    assert ax.get_ylabel() == "bin" and ax.get_ylim() == pytest.approx((-0.5, 12.5))
    assert ax.get_xlabel() == "time (s)"  # the frames keep their times


def test_db_conversion_and_colorbar():
    S = np.random.default_rng(0).random((17, 10)) + 0.01
    ax = plot_spectrogram(S, sr=SR, hop_length=HOP, to_db="power", colorbar=True)
    mesh = ax.collections[0]
    data = np.asarray(mesh.get_array())
    assert data.max() == pytest.approx(0.0) and data.min() >= -80.0
    np.testing.assert_allclose(data.reshape(S.shape), 10 * np.log10(S / S.max()), atol=1e-6)
    assert mesh.colorbar is not None and mesh.colorbar.ax.get_ylabel() == "dB"
    assert len(ax.figure.axes) == 2
    ax = plot_spectrogram(S, colorbar="power", vmin=0.2, vmax=0.8, cmap="gray")
    mesh = ax.collections[0]
    assert mesh.colorbar.ax.get_ylabel() == "power" and mesh.get_clim() == (0.2, 0.8)
    assert mesh.get_cmap().name == "gray"
    ax = plot_spectrogram(S)
    assert ax.collections[0].colorbar is None and len(ax.figure.axes) == 1


def test_explicit_coordinates():
    S = np.ones((4, 5))
    ax = plot_spectrogram(S, frequencies=[100, 200, 300, 400], times=[0.0, 0.5, 1.0, 1.5, 2.0])
    assert ax.get_ylim() == pytest.approx((50, 450)) and ax.get_xlim() == pytest.approx(
        (-0.25, 2.25)
    )
    assert ax.get_ylabel() == "frequency (Hz)" and ax.get_xlabel() == "time (s)"
    _, given = plt.subplots()
    assert plot_spectrogram(S, ax=given) is given


def test_plot_spectrogram_errors(mel_db):
    M, _ = mel_db
    with pytest.raises(ValueError, match="hop_length=50 disagrees"):
        plot_spectrogram(M[0], hop_length=50)
    with pytest.raises(ValueError, match="needs the bin frequencies or the sample rate"):
        plot_spectrogram(np.ones((3, 4)), y_axis="log")
    with pytest.raises(ValueError, match="increase"):
        plot_spectrogram(np.ones((3, 4)), frequencies=[3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="one finite time"):
        plot_spectrogram(np.ones((3, 4)), times=[0.0, 1.0])
    with pytest.raises(ValueError, match="to_db"):
        plot_spectrogram(np.ones((3, 4)), to_db="dB")
    with pytest.raises(TypeError, match="colorbar"):
        plot_spectrogram(np.ones((3, 4)), colorbar=1)
    with pytest.raises(ValueError, match="vmin"):
        plot_spectrogram(np.ones((3, 4)), vmin=1, vmax=0)
    with pytest.raises(TypeError, match="Axes"):
        plot_spectrogram(np.ones((3, 4)), ax="left")
    with pytest.raises(ValueError, match="hop_length"):
        plot_spectrogram(np.ones((3, 4)), hop_length=1.5)


# -- plot_filter_comparison ------------------------------------------------------------------
def test_filter_comparison_shares_axes_and_colour_scale(mel_db):
    from specsk.filters import MedianFilter

    M, _ = mel_db
    filt = MedianFilter(size=(3, 5))
    fig = plot_filter_comparison(M, filt, index=2)
    ax0, ax1, cbar = fig.axes
    assert ax0.get_shared_x_axes().joined(ax0, ax1) and ax0.get_shared_y_axes().joined(ax0, ax1)
    assert [ax0.get_title(), ax1.get_title()] == ["before", "after MedianFilter"]
    m0, m1 = ax0.collections[0], ax1.collections[0]
    expected = MedianFilter(size=(3, 5)).fit_transform(M)[2]
    np.testing.assert_allclose(np.asarray(m0.get_array()).reshape(M[2].shape), M[2])
    np.testing.assert_allclose(np.asarray(m1.get_array()).reshape(expected.shape), expected)
    lo = min(M[2].min(), expected.min())
    hi = max(M[2].max(), expected.max())
    assert m0.get_clim() == m1.get_clim() == pytest.approx((lo, hi))
    assert cbar.get_ylabel() == "dB"
    assert ax0.get_ylabel() == "frequency (Hz)" and ax1.get_xlabel() == "time (s)"
    assert ax0.get_xlim() == pytest.approx(_edges_half_step(M.times))
    assert not hasattr(filt, "n_features_in_")  # the given filter is not fitted in place


def test_filter_comparison_fitting_and_geometry(waves):
    from sklearn.preprocessing import FunctionTransformer

    from specsk.filters import NoiseFloorRemoval, Resize
    from specsk.spectrogram import STFTSpectrogram

    D = STFTSpectrogram(n_fft=128, hop_length=HOP).fit_transform(waves)
    # a dataset-level filter is fitted (on a clone) on the whole batch
    nfr = NoiseFloorRemoval(per="dataset")
    fig = plot_filter_comparison(D, nfr, index=-1, to_db="power", colorbar=False)
    assert len(fig.axes) == 2 and not hasattr(nfr, "noise_profile_")
    expected = NoiseFloorRemoval(per="dataset").fit(D).transform(D[-1:])[0]
    data = np.asarray(fig.axes[1].collections[0].get_array()).reshape(expected.shape)
    ref = max(np.abs(D[-1]).max(), np.abs(expected).max())
    np.testing.assert_allclose(
        data, np.clip(10 * np.log10(np.maximum(expected, 1e-10) / ref), -80, None), atol=1e-4
    )
    # a fitted filter only transforms
    fitted = NoiseFloorRemoval(per="dataset").fit(D[:2])
    fig = plot_filter_comparison(D, fitted, index=3, colorbar="power")
    want = fitted.transform(D[3:4])[0]
    got = np.asarray(fig.axes[1].collections[0].get_array()).reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert fig.axes[2].get_ylabel() == "power"
    # a filter that returns plain arrays of the same shape keeps the Hz/seconds axes
    fig = plot_filter_comparison(D, FunctionTransformer(np.sqrt), titles=("raw", "sqrt"))
    a0, a1 = fig.axes[:2]
    assert a1.get_title() == "sqrt" and a1.get_ylim() == a0.get_ylim() == pytest.approx(
        (-31.25, 4031.25)
    )
    # a filter that changes the shape: panels with their own axes
    fig = plot_filter_comparison(D, Resize(shape=(16, 8)))
    a0, a1 = fig.axes[:2]
    assert not a0.get_shared_x_axes().joined(a0, a1)
    assert a1.get_ylabel() == "bin" and a1.get_ylim() == pytest.approx((-0.5, 15.5))
    # one image (2-D) is a batch of one
    fig = plot_filter_comparison(D[0], FunctionTransformer(np.sqrt))
    assert fig.axes[0].get_ylim() == pytest.approx((-31.25, 4031.25))


def test_filter_comparison_errors(mel_db):
    from specsk.features import TemporalStats
    from specsk.filters import MedianFilter

    M, _ = mel_db
    with pytest.raises(TypeError, match="fit and transform"):
        plot_filter_comparison(M, np.sqrt)
    with pytest.raises(ValueError, match="out of range"):
        plot_filter_comparison(M, MedianFilter(), index=6)
    with pytest.raises(TypeError, match="index"):
        plot_filter_comparison(M, MedianFilter(), index=1.0)
    with pytest.raises(ValueError, match="batch of spectrograms"):
        plot_filter_comparison(M, TemporalStats())
    with pytest.raises(ValueError, match="select a channel"):
        plot_filter_comparison(np.ones((2, 2, 3, 4)), MedianFilter())
    with pytest.raises(ValueError, match="titles"):
        plot_filter_comparison(M, MedianFilter(), titles="one")


# -- plot_gallery ----------------------------------------------------------------------------
def test_gallery_rows_are_classes(mel_db):
    M, _ = mel_db
    y = np.array(["low", "mid", "high", "low", "mid", "high"])
    fig = plot_gallery(M, y, n_per_class=2)
    panels = fig.axes
    assert len(panels) == 6
    # sorted classes, first images of each, row labels on the first column
    assert [ax.get_title() for ax in panels] == ["#2", "#5", "#0", "#3", "#1", "#4"]
    assert [panels[r * 2].get_ylabel() for r in range(3)] == [
        f"{c}\nfrequency (Hz)" for c in ("high", "low", "mid")
    ]
    assert all(panels[r * 2 + 1].get_ylabel() == "" for r in range(3))
    assert [ax.get_xlabel() for ax in panels] == ["", "", "", "", "time (s)", "time (s)"]
    assert panels[0].get_xlim() == pytest.approx(_edges_half_step(M.times))
    assert panels[0].get_shared_y_axes().joined(panels[0], panels[5])
    clims = {ax.collections[0].get_clim() for ax in panels}
    assert len(clims) == 1  # one colour scale
    shown = M[[2, 5, 0, 3, 1, 4]]
    assert clims.pop() == pytest.approx((shown.min(), shown.max()))


def test_gallery_options(mel_db):
    M, _ = mel_db
    y = np.array([0, 1, 0, 1, 0, 0])
    fig = plot_gallery(
        M, y, n_per_class=3, classes=[1], labels={1: "bird"}, colorbar=True, y_axis="bins"
    )
    panels, cbar = fig.axes[:3], fig.axes[3]
    assert panels[0].get_ylabel() == "bird\nbin" and cbar.get_ylabel() == "dB"
    assert [ax.get_title() for ax in panels[:2]] == ["#1", "#3"]
    assert not panels[2].axison and not panels[2].collections  # class 1 has two images
    a = plot_gallery(M, y, n_per_class=2, random_state=0)
    b = plot_gallery(M, y, n_per_class=2, random_state=0)
    titles = [ax.get_title() for ax in a.axes]
    assert titles == [ax.get_title() for ax in b.axes]
    assert set(titles[:2]) <= {"#0", "#2", "#4", "#5"} and titles[2:] == ["#1", "#3"]
    fig = plot_gallery(M, y, n_per_class=1, same_scale=False)
    c0, c1 = (ax.collections[0].get_clim() for ax in fig.axes)
    assert c0 == pytest.approx((M[0].min(), M[0].max()))
    assert c1 == pytest.approx((M[1].min(), M[1].max()))


def test_gallery_errors(mel_db):
    M, _ = mel_db
    y = np.zeros(6)
    with pytest.raises(ValueError, match="y must have shape"):
        plot_gallery(M, y[:3])
    with pytest.raises(ValueError, match="not in y"):
        plot_gallery(M, y, classes=[7])
    with pytest.raises(ValueError, match="n_per_class"):
        plot_gallery(M, y, n_per_class=0)
    with pytest.raises(ValueError, match="same_scale"):
        plot_gallery(M, y, colorbar=True, same_scale=False)
    with pytest.raises(ValueError, match="batch of spectrograms"):
        plot_gallery(M[0], y)


# -- plot_segmentation -----------------------------------------------------------------------
def _scene():
    S = np.zeros((2, 32, 40), dtype=np.float32)
    S[:, 4:8, 5:12] = 1.0
    S[:, 20:26, 25:40] = 2.0  # touches the right border
    freqs = np.linspace(0, 3100, 32)
    return SignalArray.wrap(
        S, sr=SR, hop_length=HOP, frequencies=freqs, times=np.arange(40) * HOP / SR
    )


def test_segmentation_contours_enclose_regions():
    from specsk.segmentation import ThresholdSegmenter

    S = _scene()
    labels = ThresholdSegmenter(method="fixed", threshold=0.5).fit_transform(S)
    ax = plot_segmentation(S, labels, index=1, annotate=True)
    assert len(ax.collections) == 3  # the image and one contour set per region
    assert [t.get_text() for t in ax.texts] == ["1", "2"]
    f, t = S.frequencies, S.times
    step_f, step_t = f[1] - f[0], t[1] - t[0]
    for cs, (rows, cols) in zip(
        ax.collections[1:],
        [(slice(4, 8), slice(5, 12)), (slice(20, 26), slice(25, 40))],
        strict=True,
    ):
        verts = np.concatenate([p.vertices for p in cs.get_paths()])
        # outlines run along the cell borders, halfway between inside and outside centres
        assert verts[:, 0].min() == pytest.approx(t[cols][0] - step_t / 2)
        assert verts[:, 0].max() == pytest.approx(t[cols][-1] + step_t / 2)
        assert verts[:, 1].min() == pytest.approx(f[rows][0] - step_f / 2)
        assert verts[:, 1].max() == pytest.approx(f[rows][-1] + step_f / 2)
    x, y = ax.texts[0].get_position()
    assert x == pytest.approx(t[5:12].mean()) and y == pytest.approx(f[4:8].mean())
    assert ax.get_xlim() == pytest.approx((-step_t / 2, t[-1] + step_t / 2))
    assert ax.get_ylabel() == "frequency (Hz)"


def test_segmentation_fill_and_plain_arrays():
    S = np.asarray(_scene()[0])
    labels = np.zeros(S.shape, dtype=int)
    labels[4:8, 5:12] = 1
    labels[20:26, 25:40] = 3
    ax = plot_segmentation(S, labels, kind="fill", alpha=0.5, y_axis="bins", title="regions")
    assert len(ax.collections) == 2 and ax.get_title() == "regions"
    overlay = ax.collections[1].get_array()
    assert overlay.mask.sum() == S.size - 28 - 90  # the background is transparent
    assert ax.collections[1].get_alpha() == 0.5
    assert ax.get_xlabel() == "frame" and ax.get_ylim() == pytest.approx((-0.5, 31.5))
    # no region: only the image
    ax = plot_segmentation(S, np.zeros(S.shape, dtype=bool))
    assert len(ax.collections) == 1 and not ax.texts


def test_segmentation_errors():
    S = np.ones((3, 4))
    with pytest.raises(ValueError, match="shape of S"):
        plot_segmentation(S, np.ones((3, 5), dtype=int))
    with pytest.raises(TypeError, match="integer region labels"):
        plot_segmentation(S, np.full((3, 4), 0.5))
    with pytest.raises(ValueError, match=">= 0"):
        plot_segmentation(S, -np.ones((3, 4), dtype=int))
    with pytest.raises(ValueError, match="kind"):
        plot_segmentation(S, np.ones((3, 4), dtype=int), kind="box")
    with pytest.raises(ValueError, match="alpha"):
        plot_segmentation(S, np.ones((3, 4), dtype=int), alpha=2)
    with pytest.raises(ValueError, match="out of range"):
        plot_segmentation(S[None], np.ones((1, 3, 4), dtype=int), index=1)
