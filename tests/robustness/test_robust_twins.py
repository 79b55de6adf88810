"""Property-based tests of the function twins (hypothesis).

Shapes, dtypes, signal kinds (noise, tones, impulses, silence, constants, tiny and large
amplitudes) and parameters are drawn; every example checks invariants (the output shape from
the input shape and the parameters, finite output, float32/float64 kept) and a reference:
the estimator twin gives the same result, and where an independent formula exists (|STFT|,
the mel filter bank applied to the power spectrogram, scipy.ndimage's filters, np.clip,
NumPy's mean and std, the dB relation between amplitude and power) the function agrees
with it. The ``"ci"`` profile of conftest.py (derandomized, 15 examples) keeps this fast and
reproducible.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone

from specsk import audio, features, filters, spectrogram
from specsk.exceptions import ShortClipWarning
from specsk.registry import get_estimator

SR = 8000
FLOATS = st.sampled_from([np.float32, np.float64])


# -- inputs -----------------------------------------------------------------------------------
# Strategies draw a short description and build the array from it, so that a failing example
# prints as its recipe (kind, shape, dtype, scale, seed), not as thousands of numbers.


class Drawn:
    """A drawn input batch (``.array``) that prints as the recipe that made it."""

    def __init__(self, array, recipe):
        self.array = array
        self.recipe = recipe

    def __repr__(self):
        return self.recipe


@st.composite
def waveforms(draw, min_times=1, max_times=600, n_max=3):
    n = draw(st.integers(1, n_max))
    n_times = draw(st.integers(min_times, max_times))
    dtype = draw(FLOATS)
    kind = draw(st.sampled_from(["noise", "tone", "impulse", "silence", "constant"]))
    amplitude = draw(st.sampled_from([1e-6, 1e-2, 1.0, 1e3]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / SR
    if kind == "noise":
        X = rng.standard_normal((n, n_times))
    elif kind == "tone":
        f0 = rng.uniform(50, SR / 2 - 50, size=(n, 1))
        X = np.sin(2 * np.pi * f0 * t)
    elif kind == "impulse":
        X = np.zeros((n, n_times))
        X[:, rng.integers(n_times)] = 1.0
    elif kind == "silence":
        X = np.zeros((n, n_times))
    else:
        X = np.ones((n, n_times))
    recipe = f"<{kind} waveforms {(n, n_times)} {np.dtype(dtype).name} x{amplitude:g} seed={seed}>"
    return Drawn((amplitude * X).astype(dtype), recipe)


@st.composite
def images(draw, min_side=1, max_side=40, n_max=3, rank=3):
    n = draw(st.integers(1, n_max))
    bins = draw(st.integers(min_side, max_side))
    frames = draw(st.integers(min_side, max_side))
    dtype = draw(FLOATS)
    kind = draw(st.sampled_from(["lognormal", "impulse", "zeros", "constant", "uniform"]))
    scale = draw(st.sampled_from([1e-6, 1.0, 1e4]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    shape = (n, bins, frames) if rank == 3 else (n, draw(st.integers(1, 3)), bins, frames)
    if kind == "lognormal":
        S = np.exp(rng.standard_normal(shape))
    elif kind == "impulse":
        S = np.zeros(shape)
        S[..., rng.integers(bins), rng.integers(frames)] = 1.0
    elif kind == "zeros":
        S = np.zeros(shape)
    elif kind == "constant":
        S = np.full(shape, 0.5)
    else:
        S = rng.uniform(size=shape)
    recipe = f"<{kind} images {shape} {np.dtype(dtype).name} x{scale:g} seed={seed}>"
    return Drawn((scale * S).astype(dtype), recipe)


# -- helpers ----------------------------------------------------------------------------------


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _estimator_out(name, X, **params):
    est = get_estimator(name)(**params)
    return np.asarray(_quiet(lambda: clone(est).fit(X).transform(X)))


def _close(a, b, rtol=1e-5, what=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: {a.shape} != {b.shape}"
    scale = float(np.abs(b).max()) if b.size else 0.0
    tol = 1e-4 if np.float32 in (a.dtype, b.dtype) else rtol
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(scale, 1e-30), err_msg=what)


def _check(out, X, shape, what, dtype=None):
    """The invariants every twin keeps: shape, finite, the input's floating dtype (or the
    documented ``dtype``)."""
    out = np.asarray(out)
    assert out.shape == shape, f"{what}: shape {out.shape}, expected {shape} for {X.shape}"
    assert np.isfinite(out).all(), f"{what}: non-finite output for finite input"
    dtype = X.dtype if dtype is None else np.dtype(dtype)
    assert out.dtype == dtype, f"{what}: {X.dtype} input gave {out.dtype}, expected {dtype}"


def _frames(n_times, hop, frame, center=True):
    """Frames of an analysis with windows of ``frame`` samples every ``hop``. A clip shorter
    than the window is first zero-padded to it (specsk's short-clip policy, with a
    ShortClipWarning); ``center`` pads ``frame // 2`` samples on each side."""
    n = max(n_times, frame)
    if center:
        return 1 + (n + 2 * (frame // 2) - frame) // hop
    return 1 + (n - frame) // hop


# -- the STFT family --------------------------------------------------------------------------


@st.composite
def stft_params(draw):
    n_fft = draw(st.integers(2, 128))
    return {
        "n_fft": n_fft,
        "hop_length": draw(st.integers(1, n_fft)),
        "win_length": draw(st.one_of(st.none(), st.integers(1, n_fft))),
        "window": draw(st.sampled_from(["hann", "hamming", "boxcar", "blackman"])),
        "center": draw(st.booleans()),
    }


@given(X=waveforms(), p=stft_params(), power=st.sampled_from([0.5, 1.0, 2.0, 3.0]))
def test_stft_and_power_spectrogram(X, p, power):
    X = X.array
    Z = _quiet(spectrogram.stft, X, **p)
    shape = (
        len(X),
        p["n_fft"] // 2 + 1,
        _frames(X.shape[-1], p["hop_length"], p["n_fft"], p["center"]),
    )
    assert Z.shape == shape, f"stft shape {Z.shape}, expected {shape}"
    assert Z.dtype == (np.complex64 if X.dtype == np.float32 else np.complex128)
    assert np.isfinite(Z).all()
    P = _quiet(spectrogram.power_spectrogram, X, power=power, **p)
    _check(P, X, shape, "power_spectrogram")
    _close(P, np.abs(Z.astype(np.complex128)) ** power, what="power_spectrogram vs |stft|**power")
    _close(_estimator_out("STFTSpectrogram", X, **p), np.abs(Z), what="STFTSpectrogram vs |stft|")


@given(
    X=waveforms(min_times=16),
    n_fft=st.integers(16, 256),
    hop=st.integers(1, 64),
    n_mels=st.integers(1, 40),
    fmin=st.floats(0.0, 1000.0),
    fmax=st.one_of(st.none(), st.floats(1500.0, SR / 2)),
    htk=st.booleans(),
    power=st.sampled_from([1.0, 2.0]),
)
def test_mel_spectrogram(X, n_fft, hop, n_mels, fmin, fmax, htk, power):
    X = X.array
    p = dict(sr=SR, n_fft=n_fft, hop_length=hop, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    M = _quiet(spectrogram.mel_spectrogram, X, power=power, **p)
    _check(M, X, (len(X), n_mels, _frames(X.shape[-1], hop, n_fft)), "mel_spectrogram")
    assert (M >= 0).all()
    fb = _quiet(
        spectrogram.mel_filter_bank,
        sr=SR,
        n_fft=n_fft,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        htk=htk,
    )
    P = _quiet(spectrogram.power_spectrogram, X, n_fft=n_fft, hop_length=hop, power=power)
    _close(M, np.einsum("mf,nft->nmt", fb.astype(np.float64), P), what="mel vs bank @ power")
    _close(_estimator_out("MelSpectrogram", X, power=power, **p), M, what="MelSpectrogram")


@given(
    X=waveforms(min_times=16),
    n_fft=st.integers(16, 128),
    hop=st.integers(1, 64),
    n_mels=st.integers(2, 24),
    data=st.data(),
)
def test_mfcc(X, n_fft, hop, n_mels, data):
    X = X.array
    n_mfcc = data.draw(st.integers(1, n_mels))
    dct_type = data.draw(st.sampled_from([1, 2, 3]))
    lifter = data.draw(st.sampled_from([0, 2, 22]))
    p = dict(
        sr=SR,
        n_fft=n_fft,
        hop_length=hop,
        n_mels=n_mels,
        n_mfcc=n_mfcc,
        dct_type=dct_type,
        lifter=lifter,
    )
    C = _quiet(spectrogram.mfcc, X, **p)
    _check(C, X, (len(X), n_mfcc, _frames(X.shape[-1], hop, n_fft)), "mfcc")
    _close(_estimator_out("MFCC", X, **p), C, what="MFCC")


@given(
    X=waveforms(min_times=32),
    n_fft=st.integers(32, 256),
    hop=st.integers(4, 64),
    n_bands=st.integers(1, 16),
    power=st.sampled_from([1.0, 2.0]),
)
def test_bark_spectrogram(X, n_fft, hop, n_bands, power):
    X = X.array
    p = dict(sr=SR, n_fft=n_fft, hop_length=hop, n_bands=n_bands, power=power)
    B = _quiet(spectrogram.bark_spectrogram, X, **p)
    _check(B, X, (len(X), n_bands, _frames(X.shape[-1], hop, n_fft)), "bark_spectrogram")
    _close(_estimator_out("BarkSpectrogram", X, **p), B, what="BarkSpectrogram")


@given(
    X=waveforms(min_times=64),
    hop=st.integers(4, 64),
    n_bands=st.integers(1, 12),
    method=st.sampled_from(["filterbank", "fft"]),
)
def test_gammatone_spectrogram(X, hop, n_bands, method):
    X = X.array
    p = dict(sr=SR, hop_length=hop, n_bands=n_bands, fmin=100.0, method=method)
    G = _quiet(spectrogram.gammatone_spectrogram, X, **p)
    G = np.asarray(G)
    assert G.shape[:2] == (len(X), n_bands) and G.ndim == 3
    _check(G, X, G.shape, "gammatone_spectrogram")
    _close(_estimator_out("GammatoneSpectrogram", X, **p), G, what="GammatoneSpectrogram")


@given(
    X=waveforms(min_times=256, max_times=1200),
    hop=st.sampled_from([16, 32, 64]),
    n_bins=st.integers(1, 24),
    bins_per_octave=st.sampled_from([6, 12]),
)
def test_cqt(X, hop, n_bins, bins_per_octave):
    X = X.array
    p = dict(sr=SR, hop_length=hop, fmin=100.0, n_bins=n_bins, bins_per_octave=bins_per_octave)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        C = np.asarray(spectrogram.cqt(X, **p))
    # librosa's multirate CQT (which specsk follows) rounds the frame count of the
    # downsampled octaves: 1 + n // hop, or one more
    frames = C.shape[-1]
    low = 1 + X.shape[-1] // hop
    if any(issubclass(w.category, ShortClipWarning) for w in caught):
        # a clip shorter than the longest filter is zero-padded to it, and a warning says so
        assert frames >= low, f"cqt: {frames} frames for {X.shape[-1]} samples"
    else:
        assert low <= frames <= low + 1, f"cqt: {frames} frames for {X.shape[-1]} samples"
    _check(C, X, (len(X), n_bins, frames), "cqt")
    _close(_estimator_out("CQTSpectrogram", X, **p), C, what="CQTSpectrogram")


@given(
    X=waveforms(min_times=32),
    hop=st.integers(1, 32),
    n_scales=st.integers(1, 8),
    pooling=st.sampled_from(["mean", "max"]),
)
def test_cwt_scalogram(X, hop, n_scales, pooling):
    X = X.array
    p = dict(sr=SR, hop_length=hop, n_scales=n_scales, fmin=200.0, pooling=pooling)
    W = np.asarray(_quiet(spectrogram.cwt_scalogram, X, **p))
    assert W.shape[:2] == (len(X), n_scales) and W.ndim == 3
    _check(W, X, W.shape, "cwt_scalogram")
    _close(_estimator_out("CWTScalogram", X, **p), W, what="CWTScalogram")


@given(
    X=waveforms(min_times=16),
    n_fft=st.integers(16, 256),
    hop=st.integers(1, 64),
    n_chroma=st.sampled_from([12, 24]),
)
def test_chroma(X, n_fft, hop, n_chroma):
    X = X.array
    p = dict(sr=SR, n_fft=n_fft, hop_length=hop, n_chroma=n_chroma)
    C = _quiet(spectrogram.chroma, X, **p)
    _check(C, X, (len(X), n_chroma, _frames(X.shape[-1], hop, n_fft)), "chroma")
    _close(_estimator_out("Chroma", X, **p), C, what="Chroma")


# -- dB and PCEN ------------------------------------------------------------------------------


@given(S=images(), top_db=st.one_of(st.none(), st.floats(1.0, 120.0)), ref=st.floats(1e-3, 1e3))
def test_db_scales(S, top_db, ref):
    S = S.array
    D = _quiet(spectrogram.power_to_db, S, ref=ref, top_db=top_db)
    _check(D, S, S.shape, "power_to_db")
    expected = 10 * np.log10(np.maximum(S.astype(np.float64), 1e-10)) - 10 * np.log10(ref)
    if top_db is None:
        _close(D, expected, what="power_to_db vs 10 log10")
    else:
        for d in D:
            assert d.min() >= d.max() - top_db - 1e-3, "top_db not honoured"
    A = _quiet(spectrogram.amplitude_to_db, np.sqrt(S), ref=np.sqrt(ref), top_db=top_db)
    _check(A, S, S.shape, "amplitude_to_db")
    _close(A, D, what="amplitude_to_db(sqrt(S)) vs power_to_db(S)")
    _close(_estimator_out("PowerToDb", S, ref=ref, top_db=top_db), D, what="PowerToDb")
    _close(
        _estimator_out("AmplitudeToDb", np.sqrt(S), ref=np.sqrt(ref), top_db=top_db),
        A,
        what="AmplitudeToDb",
    )


@given(
    S=images(),
    gain=st.floats(0.1, 1.0),
    bias=st.floats(0.1, 10.0),
    power=st.floats(0.05, 1.0),
    time_constant=st.floats(0.01, 2.0),
)
def test_pcen(S, gain, bias, power, time_constant):
    S = S.array
    p = dict(sr=SR, hop_length=64, gain=gain, bias=bias, power=power, time_constant=time_constant)
    P = _quiet(spectrogram.pcen, S, **p)
    _check(P, S, S.shape, "pcen")
    assert (P >= -1e-6).all()
    _close(_estimator_out("PCEN", S, **p), P, what="PCEN")


# -- image filters ----------------------------------------------------------------------------

MODES = st.sampled_from(["reflect", "nearest", "wrap", "mirror", "constant"])


@given(S=images(), fs=st.integers(1, 7), ts=st.integers(1, 7), mode=MODES)
def test_median_filter(S, fs, ts, mode):
    S = S.array
    F = _quiet(filters.median_filter, S, size=(fs, ts), mode=mode)
    _check(F, S, S.shape, "median_filter")
    _close(F, ndi.median_filter(S, size=(1, fs, ts), mode=mode), what="median vs scipy")
    _close(_estimator_out("MedianFilter", S, size=(fs, ts), mode=mode), F, what="MedianFilter")


@given(
    S=images(),
    sf=st.floats(0.1, 5.0),
    stime=st.floats(0.1, 5.0),
    mode=MODES,
    truncate=st.floats(1.0, 4.0),
)
def test_gaussian_filter(S, sf, stime, mode, truncate):
    S = S.array
    F = _quiet(filters.gaussian_filter, S, sigma=(sf, stime), mode=mode, truncate=truncate)
    _check(F, S, S.shape, "gaussian_filter")
    ref = ndi.gaussian_filter(
        S.astype(np.float64), sigma=(0, sf, stime), mode=mode, truncate=truncate
    )
    _close(F, ref, what="gaussian vs scipy")
    p = dict(sigma=(sf, stime), mode=mode, truncate=truncate)
    _close(_estimator_out("GaussianFilter", S, **p), F, what="GaussianFilter")


@given(S=images(), lo=st.floats(0.0, 1.0), width=st.floats(0.0, 10.0))
def test_clip(S, lo, width):
    S = S.array
    C = _quiet(filters.clip, S, min=lo, max=lo + width)
    _check(C, S, S.shape, "clip")
    np.testing.assert_array_equal(C, np.clip(S, S.dtype.type(lo), S.dtype.type(lo + width)))
    _close(_estimator_out("Clip", S, min=lo, max=lo + width), C, what="Clip")


@given(S=images(), method=st.sampled_from(["minmax", "zscore"]))
def test_image_normalize(S, method):
    S = S.array
    N = _quiet(filters.image_normalize, S, method=method, per="image")
    _check(N, S, S.shape, "image_normalize")
    if method == "minmax":
        assert N.min() >= -1e-6 and N.max() <= 1 + 1e-6
    else:
        np.testing.assert_allclose(N.reshape(len(S), -1).mean(axis=1), 0.0, atol=1e-3)
    _close(
        _estimator_out("ImageNormalize", S, method=method, per="image"), N, what="ImageNormalize"
    )


@given(
    S=images(),
    shape=st.tuples(st.integers(1, 50), st.integers(1, 50)),
    order=st.sampled_from([0, 1, 3]),
)
def test_resize(S, shape, order):
    S = S.array
    R = _quiet(filters.resize, S, shape=shape, order=order)
    _check(R, S, (len(S), *shape), "resize")
    _close(_estimator_out("Resize", S, shape=shape, order=order), R, what="Resize")


# one line per remaining image twin: (function, estimator, parameter strategy)
IMAGE_TWINS = {
    "bilateral_filter": (
        "BilateralFilter",
        st.fixed_dictionaries({"sigma_spatial": st.floats(0.3, 3.0)}),
    ),
    "wiener_filter": (
        "WienerFilter",
        st.fixed_dictionaries({"size": st.tuples(st.integers(1, 5), st.integers(1, 5))}),
    ),
    "morphology": (
        "Morphology",
        st.fixed_dictionaries(
            {
                "operation": st.sampled_from(
                    ["opening", "closing", "erosion", "dilation", "white_tophat"]
                ),
                "size": st.tuples(st.integers(1, 5), st.integers(1, 5)),
            }
        ),
    ),
    "wavelet_denoise": (
        "WaveletDenoise",
        st.fixed_dictionaries({"method": st.sampled_from(["BayesShrink", "VisuShrink"])}),
    ),
    "noise_floor_removal": (
        "NoiseFloorRemoval",
        st.fixed_dictionaries({"statistic": st.sampled_from(["median", "mean", "percentile"])}),
    ),
}


@pytest.mark.parametrize("name", sorted(IMAGE_TWINS))
@given(S=images(min_side=2), data=st.data())
def test_image_twins(name, S, data):
    S = S.array
    est_name, params = IMAGE_TWINS[name]
    p = data.draw(params)
    F = _quiet(getattr(filters, name), S, **p)
    _check(F, S, S.shape, name)
    _close(_estimator_out(est_name, S, **p), F, what=est_name)


@given(S=images(), kernel=st.integers(1, 9), margin=st.floats(1.0, 3.0), mask=st.booleans())
def test_hpss(S, kernel, margin, mask):
    S = S.array
    from specsk import decomposition

    H = _quiet(decomposition.hpss, S, kernel_size=kernel, margin=margin, mask=mask)
    _check(H, S, (len(S), 2, *S.shape[1:]), "hpss")
    if margin == 1.0 and not mask:  # soft masks with margin 1 split the image
        _close(H.sum(axis=1), S, what="harmonic + percussive vs S")
    p = dict(kernel_size=kernel, margin=margin, mask=mask)
    _close(_estimator_out("HPSS", S, **p), H, what="HPSS")


# -- features ---------------------------------------------------------------------------------


@given(
    S=images(), stats=st.sets(st.sampled_from(["mean", "std", "min", "max", "median"]), min_size=1)
)
def test_temporal_stats(S, stats):
    S = S.array
    stats = tuple(sorted(stats))
    T = _quiet(features.temporal_stats, S, stats=stats)
    _check(T, S, (len(S), S.shape[1] * len(stats)), "temporal_stats")
    columns = np.asarray(T).reshape(len(S), -1)
    refs = {
        "mean": S.mean(-1),
        "std": S.std(-1),
        "min": S.min(-1),
        "max": S.max(-1),
        "median": np.median(S, -1),
    }
    # each statistic is a block of n_bins columns or interleaved: compare as sets of columns
    got = np.sort(columns, axis=1)
    want = np.sort(np.concatenate([refs[s] for s in stats], axis=1), axis=1)
    _close(got, want, what="temporal_stats vs NumPy")
    _close(_estimator_out("TemporalStats", S, stats=stats), T, what="TemporalStats")


@given(
    S=images(min_side=2),
    feats=st.sets(
        st.sampled_from(
            ["centroid", "bandwidth", "rolloff", "flatness", "flux", "entropy", "slope"]
        ),
        min_size=1,
    ),
)
def test_spectral_features(S, feats):
    S = S.array
    feats = tuple(sorted(feats))
    n_fft = 2 * (S.shape[1] - 1)
    F = np.asarray(_quiet(features.spectral_features, S, sr=SR, n_fft=n_fft, features=feats))
    assert F.shape[0] == len(S) and F.shape[-1] == S.shape[-1]
    _check(F, S, F.shape, "spectral_features")
    _close(
        _estimator_out("SpectralFeatures", S, sr=SR, n_fft=n_fft, features=feats),
        F,
        what="SpectralFeatures",
    )


@given(
    X=waveforms(),
    data=st.data(),
    center=st.booleans(),
    feats=st.sets(st.sampled_from(["rms", "zcr"]), min_size=1),
)
def test_waveform_features(X, data, center, feats):
    X = X.array
    # frames no longer than the clip: a longer frame is a parameter conflict (whether the
    # short-clip policy applies is checked in test_robust_params.py)
    frame = data.draw(st.integers(1, min(64, X.shape[-1])))
    hop = data.draw(st.integers(1, frame))
    feats = tuple(sorted(feats))
    p = dict(frame_length=frame, hop_length=hop, center=center, features=feats)
    F = _quiet(features.waveform_features, X, **p)
    _check(
        F, X, (len(X), len(feats), _frames(X.shape[-1], hop, frame, center)), "waveform_features"
    )
    if "rms" in feats and X.shape[-1] >= frame and not center:
        frames = np.lib.stride_tricks.sliding_window_view(X.astype(np.float64), frame, axis=-1)[
            :, ::hop
        ]
        _close(np.asarray(F)[:, feats.index("rms")], np.sqrt((frames**2).mean(-1)), what="rms")
    _close(_estimator_out("WaveformFeatures", X, **p), F, what="WaveformFeatures")


# one line per image-to-feature twin: (function, estimator, parameter strategy, smallest side)
FEATURE_TWINS = {
    "edge_features": (
        "EdgeFeatures",
        st.fixed_dictionaries(
            {
                "methods": st.sets(
                    st.sampled_from(["sobel", "prewitt", "canny", "log"]), min_size=1
                ).map(lambda m: tuple(sorted(m))),
                "sigma": st.floats(0.5, 3.0),
                "n_bands": st.integers(1, 3),
            }
        ),
        3,
    ),
    "lbp_histogram": (
        "LBPHistogram",
        st.fixed_dictionaries(
            {
                "P": st.sampled_from([4, 8, 16]),
                "R": st.floats(1.0, 3.0),
                "method": st.sampled_from(["uniform", "default", "ror"]),
                "n_bands": st.integers(1, 3),
            }
        ),
        3,
    ),
    "hog_features": (
        "HOGFeatures",
        st.fixed_dictionaries(
            {
                "orientations": st.integers(2, 12),
                "pixels_per_cell": st.tuples(st.integers(2, 6), st.integers(2, 6)),
                "cells_per_block": st.tuples(st.integers(1, 2), st.integers(1, 2)),
            }
        ),
        12,
    ),
}


@pytest.mark.parametrize("name", sorted(FEATURE_TWINS))
@given(data=st.data())
def test_feature_twins(name, data):
    est_name, params, side = FEATURE_TWINS[name]
    S = data.draw(images(min_side=side), label="S").array
    p = data.draw(params, label="params")
    F = np.asarray(_quiet(getattr(features, name), S, **p))
    assert F.ndim >= 2 and len(F) == len(S), f"{name}: {F.shape} for {S.shape}"
    _check(F, S, F.shape, name, dtype=np.float64)  # documented: these functions give float64
    F = F.reshape(len(S), -1)  # a function may keep a band axis the estimator flattens
    out = _estimator_out(est_name, S, **p)
    _check(out, S, F.shape, est_name)  # the estimator keeps the input's dtype
    _close(out, F, what=est_name)
    names = get_estimator(est_name)(**p).fit(S).get_feature_names_out()
    assert len(names) == F.shape[1], f"{est_name}: {len(names)} names, {F.shape[1]} columns"


# -- audio ------------------------------------------------------------------------------------


@given(X=waveforms(), target=st.floats(0.01, 10.0))
def test_normalize_peak(X, target):
    X = X.array
    Y = _quiet(audio.normalize, X, method="peak", target=target)
    _check(Y, X, X.shape, "normalize")
    peaks = np.abs(X).max(axis=1)
    loud = peaks > 1e-3
    np.testing.assert_allclose(np.abs(Y[loud]).max(axis=1), target, rtol=1e-4)
    _close(_estimator_out("Normalize", X, method="peak", target=target), Y, what="Normalize")


@given(
    X=waveforms(), length=st.integers(1, 700), mode=st.sampled_from(["pad_or_crop", "crop", "tile"])
)
def test_to_fixed_length(X, length, mode):
    X = X.array
    if (mode == "crop" and X.shape[-1] < length) or (mode == "tile" and X.shape[-1] > length):
        mode = "pad_or_crop"  # crop never pads, tile never truncates
    Y = _quiet(audio.to_fixed_length, X, length=length, mode=mode)
    _check(Y, X, (len(X), length), "to_fixed_length")
    k = min(length, X.shape[-1])
    if mode != "tile":
        _close(np.asarray(Y)[:, :k], X[:, :k], what="the kept samples")
    _close(_estimator_out("FixedLength", X, length=length, mode=mode), Y, what="FixedLength")


@given(X=waveforms(min_times=8), target=st.sampled_from([2000, 4000, 11025, 16000, 22050]))
def test_resample(X, target):
    X = X.array
    Y = _quiet(audio.resample, X, orig_sr=SR, target_sr=target)
    n = int(np.ceil(X.shape[-1] * target / SR))
    assert abs(np.asarray(Y).shape[-1] - n) <= 1, (np.asarray(Y).shape, n)
    _check(Y, X, (len(X), np.asarray(Y).shape[-1]), "resample")
    _close(_estimator_out("Resample", X, orig_sr=SR, target_sr=target), Y, what="Resample")


@given(X=waveforms(), channels=st.integers(1, 4))
def test_to_mono(X, channels):
    X = X.array
    Xm = np.stack([X * (c + 1) for c in range(channels)], axis=1)
    Y = _quiet(audio.to_mono, Xm)
    _check(Y, Xm, X.shape, "to_mono")
    _close(Y, Xm.astype(np.float64).mean(axis=1), what="to_mono vs the channel mean")
    _close(_estimator_out("ToMono", Xm), Y, what="ToMono")
