"""Parameter conflicts and extreme-but-valid parameters.

Conflicts (``n_mels`` above the FFT bins, ``fmax`` above Nyquist, ``win_length > n_fft``, ...)
must give a ``ValueError`` whose message names the parameter, or, where the combination is
allowed, a warning that names it (``"warn"`` rows); never a silent result. Extreme but
valid parameters must give a finite result whose shape follows from the input's shape and
the parameters, checked against a formula or a reference, never a snapshot.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from specsk.registry import get_estimator

SR = 8000
N = 2


def _waves(n_times=4096, amplitude=0.5):
    rng = np.random.default_rng(0)
    t = np.arange(n_times) / SR
    X = amplitude * np.sin(2 * np.pi * 440.0 * t) + 0.05 * rng.standard_normal((N, n_times))
    return (X / np.abs(X).max() * amplitude).astype(np.float32)


def _specs(shape=(32, 24)):
    rng = np.random.default_rng(0)
    return np.exp(rng.standard_normal((N, *shape))).astype(np.float32)


INPUTS = {"wave": _waves, "spec": _specs}


def _own_warnings(caught):
    """Messages of the warnings a step gave, without NumPy's floating-point ones ("overflow
    encountered in power" names an operation, not the parameter)."""
    return [str(w.message) for w in caught if "encountered in" not in str(w.message)]


# (estimator, parameters, input, expected, message pattern). expected: "error" (ValueError
# or TypeError matching the pattern) or "warn" (that, or a warning matching the pattern).
CONFLICTS = [
    ("MelSpectrogram", {"sr": SR, "n_fft": 64, "n_mels": 64}, "wave", "warn", r"n_mels"),
    ("MelSpectrogram", {"sr": SR, "n_fft": 256, "fmax": 6000.0}, "wave", "error", r"fmax"),
    (
        "MelSpectrogram",
        {"sr": SR, "n_fft": 256, "fmin": 3000.0, "fmax": 2000.0},
        "wave",
        "error",
        r"fmin|fmax",
    ),
    (
        "MelSpectrogram",
        {"sr": SR, "n_fft": 256, "fmin": 2000.0, "fmax": 2000.0},
        "wave",
        "error",
        r"fmin|fmax",
    ),
    (
        "MelSpectrogram",
        {"sr": SR, "n_fft": 256, "n_mels": 16, "fmin": 5000.0},
        "wave",
        "error",
        r"fmin",
    ),
    (
        "MelSpectrogram",
        {"sr": SR, "n_fft": 256, "n_mels": 16, "win_length": 512},
        "wave",
        "error",
        r"win_length",
    ),
    (
        "MelSpectrogram",
        {"sr": SR, "n_fft": 256, "n_mels": 16, "hop_length": 512},
        "wave",
        "warn",
        r"hop_length",
    ),
    ("STFTSpectrogram", {"n_fft": 256, "win_length": 512}, "wave", "error", r"win_length"),
    ("STFTSpectrogram", {"n_fft": 256, "hop_length": 512}, "wave", "warn", r"hop_length"),
    ("STFTSpectrogram", {"n_fft": 8192}, "wave", "warn", r"n_fft"),
    ("MFCC", {"sr": SR, "n_fft": 256, "n_mels": 16, "n_mfcc": 20}, "wave", "error", r"n_mfcc"),
    ("BarkSpectrogram", {"sr": SR, "n_fft": 64, "n_bands": 40}, "wave", "warn", r"n_bands"),
    (
        "BarkSpectrogram",
        {"sr": SR, "n_fft": 256, "n_bands": 8, "fmax": 6000.0},
        "wave",
        "error",
        r"fmax",
    ),
    (
        "BarkSpectrogram",
        {"sr": SR, "n_fft": 256, "n_bands": 8, "fmin": 3000.0, "fmax": 2000.0},
        "wave",
        "error",
        r"fmin|fmax",
    ),
    (
        "BarkSpectrogram",
        {"sr": SR, "n_fft": 256, "n_bands": 8, "fmin": 5000.0},
        "wave",
        "error",
        r"fmin",
    ),
    (
        "GammatoneSpectrogram",
        {"sr": SR, "n_bands": 8, "fmax": 6000.0, "hop_length": 64},
        "wave",
        "error",
        r"fmax",
    ),
    (
        "GammatoneSpectrogram",
        {"sr": SR, "n_bands": 8, "fmin": 3000.0, "fmax": 2000.0, "hop_length": 64},
        "wave",
        "error",
        r"fmin|fmax",
    ),
    (
        "GammatoneSpectrogram",
        {"sr": SR, "n_bands": 8, "fmin": 5000.0, "hop_length": 64},
        "wave",
        "error",
        r"fmin",
    ),
    (
        "CQTSpectrogram",
        {"sr": SR, "hop_length": 64, "fmin": 200.0, "n_bins": 60},
        "wave",
        "error",
        r"n_bins|fmin|Nyquist",
    ),
    (
        "CQTSpectrogram",
        {"sr": SR, "hop_length": 64, "fmin": 5000.0, "n_bins": 12},
        "wave",
        "error",
        r"fmin|Nyquist",
    ),
    (
        "CWTScalogram",
        {"sr": SR, "n_scales": 6, "fmin": 200.0, "fmax": 6000.0, "hop_length": 64},
        "wave",
        "error",
        r"fmax",
    ),
    (
        "CWTScalogram",
        {"sr": SR, "n_scales": 6, "fmin": 3000.0, "fmax": 2000.0, "hop_length": 64},
        "wave",
        "error",
        r"fmin|fmax",
    ),
    (
        "CWTScalogram",
        {"sr": SR, "frequencies": (100.0, 5000.0), "hop_length": 64},
        "wave",
        "error",
        r"frequencies",
    ),
    (
        "SpectralFeatures",
        {"sr": SR, "n_fft": 100, "n_bands": 2, "fmin": 400.0},
        "spec",
        "error",
        r"n_fft",
    ),
    (
        "SpectralFeatures",
        {"sr": SR, "n_fft": 62, "n_bands": 6, "fmin": 200.0},
        "spec",
        "error",
        r"n_bands|fmin",
    ),
    (
        "ROIFeatures",
        {"sr": SR, "hop_length": 64, "n_fft": 100, "top_k": 2},
        "spec",
        "error",
        r"n_fft|freqs",
    ),
    ("HOGFeatures", {"pixels_per_cell": (64, 64)}, "spec", "error", r"pixels_per_cell"),
    ("TemporalStats", {"deltas": 2, "delta_width": 101}, "spec", "error", r"delta_width"),
    ("Clip", {"min": 2.0, "max": 1.0}, "spec", "error", r"\bmin\b|\bmax\b"),
    ("Clip", {"percentile": (90.0, 10.0)}, "spec", "error", r"percentile"),
    ("PowerToDb", {"amin": 0.0}, "spec", "error", r"amin"),
    ("FixedLength", {"length": 16, "mode": "pad"}, "wave", "error", r"length|mode"),
    (
        "WaveformFeatures",
        {"frame_length": 8192, "hop_length": 512},
        "wave",
        "warn",
        r"frame_length",
    ),
]


def _conflict_id(row):
    name, params, *_ = row
    return name + "-" + "-".join(f"{k}={v}" for k, v in params.items() if k != "sr")


@pytest.mark.parametrize(
    "name, params, kind, expected, pattern", CONFLICTS, ids=[_conflict_id(r) for r in CONFLICTS]
)
def test_parameter_conflicts_are_named(name, params, kind, expected, pattern):
    est = get_estimator(name)(**params)
    X = INPUTS[kind]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X).transform(X)
        except (ValueError, TypeError) as exc:
            assert re.search(pattern, str(exc)), (
                f"{name}({params}): the {type(exc).__name__} does not name {pattern!r}: {exc}"
            )
            return
    if expected == "warn":
        said = [m for m in _own_warnings(caught) if re.search(pattern, m)]
        assert said, (
            f"{name}({params}) ran without an error or a warning naming {pattern!r}; warnings: "
            f"{[str(w.message)[:120] for w in caught]}"
        )
        return
    raise AssertionError(f"{name}({params}) ran without the expected error naming {pattern!r}")


# -- parameters that make values explode: finite out, or an error naming the parameter ------

EXPLOSIVE = [
    ("BarkSpectrogram", {"sr": SR, "n_fft": 64, "n_bands": 8, "power": 50.0}, "wave", "power"),
    ("MelSpectrogram", {"sr": SR, "n_fft": 64, "n_mels": 8, "power": 50.0}, "wave", "power"),
    ("STFTSpectrogram", {"n_fft": 64, "output": "power"}, "huge_wave", "output|power"),
    (
        "SpectralFeatures",
        {"sr": SR, "n_fft": 62, "n_bands": 2, "fmin": 400.0, "power": 50.0},
        "spec",
        "power",
    ),
    ("PCEN", {"power": 50.0}, "spec", "power"),
    ("ImageNormalize", {"eps": 0.0}, "constant_spec", "eps"),
    ("ImageNormalize", {"method": "zscore", "eps": 0.0}, "constant_spec", "eps"),
    ("ImageNormalize", {"method": "zscore", "per": "band", "eps": 0.0}, "constant_spec", "eps"),
    ("Normalize", {"method": "peak", "eps": 0.0}, "silence", "eps"),
    ("Normalize", {"method": "rms", "eps": 0.0}, "silence", "eps"),
]

EXPLOSIVE_INPUTS = {
    "wave": lambda: _waves(amplitude=0.9),
    "huge_wave": lambda: _waves(amplitude=1e20),
    "spec": lambda: _specs() * 100,
    "constant_spec": lambda: np.ones((N, 32, 24), np.float32),
    "silence": lambda: np.zeros((N, 4096), np.float32),
}


@pytest.mark.parametrize(
    "name, params, kind, pattern", EXPLOSIVE, ids=[_conflict_id(r) for r in EXPLOSIVE]
)
def test_explosive_parameters_give_finite_output_or_say_so(name, params, kind, pattern):
    try:
        est = get_estimator(name)(**params)
    except (ValueError, TypeError) as exc:
        assert re.search(pattern, str(exc)), exc
        return
    X = EXPLOSIVE_INPUTS[kind]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = np.asarray(est.fit(X).transform(X))
        except (ValueError, TypeError) as exc:
            assert re.search(pattern, str(exc)), (
                f"{name}({params}): the {type(exc).__name__} does not name {pattern!r}: {exc}"
            )
            return
    n_bad = int((~np.isfinite(out)).sum())
    said = [m for m in _own_warnings(caught) if re.search(pattern, m)]
    assert n_bad == 0 or said, (
        f"{name}({params}) gave {n_bad} non-finite values for finite {kind} input without an "
        f"error or warning naming {pattern!r}; warnings: {[str(w.message)[:80] for w in caught]}"
    )


# -- extreme but valid parameters: shape from a formula, finite, or a reference --------------


def _frames(n_times, hop, frame=2):
    """Frames of a centred analysis (``frame // 2`` samples padded on each side)."""
    return 1 + (n_times + 2 * (frame // 2) - frame) // hop


EXTREME_VALID = [
    # (estimator, params, input, expected output shape from the input shape)
    ("STFTSpectrogram", {"n_fft": 2, "hop_length": 1}, ("wave", 64), (N, 2, _frames(64, 1))),
    ("STFTSpectrogram", {"n_fft": 16, "hop_length": 100_000}, ("wave", 4096), (N, 9, 1)),
    (
        "MelSpectrogram",
        {"sr": SR, "n_fft": 16, "hop_length": 1, "n_mels": 1},
        ("wave", 64),
        (N, 1, _frames(64, 1)),
    ),
    (
        "MFCC",
        {"sr": SR, "n_fft": 16, "hop_length": 1, "n_mels": 1, "n_mfcc": 1},
        ("wave", 64),
        (N, 1, _frames(64, 1)),
    ),
    (
        "CQTSpectrogram",
        {"sr": SR, "hop_length": 16, "fmin": 200.0, "n_bins": 1},
        ("wave", 4096),
        (N, 1, _frames(4096, 16)),
    ),
    (
        "GammatoneSpectrogram",
        {"sr": SR, "n_bands": 1, "fmin": 100.0, "hop_length": 4},
        ("wave", 4096),
        (N, 1, _frames(4096, 4)),
    ),
    (
        "CWTScalogram",
        {"sr": SR, "n_scales": 1, "fmin": 200.0, "hop_length": 2},
        ("wave", 4096),
        (N, 1, 4096 // 2),
    ),
    (
        "BarkSpectrogram",
        {"sr": SR, "n_fft": 32, "n_bands": 1, "hop_length": 1},
        ("wave", 64),
        (N, 1, _frames(64, 1)),
    ),
    (
        "WaveformFeatures",
        {"frame_length": 1, "hop_length": 1, "features": ("rms",)},
        ("wave", 64),
        (N, 1, _frames(64, 1, frame=1)),
    ),
    ("Resample", {"orig_sr": SR, "target_sr": 1}, ("wave", 4096), (N, 1)),
    ("Resample", {"orig_sr": SR, "target_sr": 192_000}, ("wave", 256), (N, 256 * 24)),
    ("FixedLength", {"length": 1, "mode": "crop"}, ("wave", 4096), (N, 1)),
    ("Resize", {"shape": (1, 1)}, ("spec", (32, 24)), (N, 1, 1)),
    ("Resize", {"shape": (300, 5)}, ("spec", (32, 24)), (N, 300, 5)),
    (
        "GLCMFeatures",
        {"levels": 2, "properties": ("contrast", "energy")},
        ("spec", (32, 24)),
        (N, 4),
    ),
    ("GLCMFeatures", {"levels": 256, "properties": ("contrast",)}, ("spec", (32, 24)), (N, 2)),
    ("LBPHistogram", {"P": 24, "R": 3.0}, ("spec", (32, 24)), (N, 26)),
    ("PowerToDb", {"top_db": 1e-3}, ("spec", (32, 24)), (N, 32, 24)),
    ("PCEN", {"sr": SR, "hop_length": 64, "time_constant": 1e-9}, ("spec", (32, 24)), (N, 32, 24)),
    ("NMFComponents", {"n_components": 1, "max_iter": 5}, ("spec", (32, 24)), (N, 1, 32, 24)),
    ("TemporalStats", {"stats": ("mean",)}, ("spec", (1, 1)), (N, 1)),
    ("ImageNormalize", {"method": "minmax"}, ("spec", (1, 1)), (N, 1, 1)),
    ("GaussianFilter", {"sigma": 1000.0}, ("spec", (32, 24)), (N, 32, 24)),
    ("MedianFilter", {"size": (101, 101)}, ("spec", (32, 24)), (N, 32, 24)),
]


def _extreme_input(kind, size):
    return _waves(size) if kind == "wave" else _specs(size)


@pytest.mark.parametrize(
    "name, params, inp, shape", EXTREME_VALID, ids=[_conflict_id(r) for r in EXTREME_VALID]
)
def test_extreme_valid_parameters_give_finite_output_of_the_right_shape(name, params, inp, shape):
    X = _extreme_input(*inp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.asarray(get_estimator(name)(**params).fit(X).transform(X))
    assert out.shape == shape, f"{name}({params}) on {X.shape}: {out.shape}, expected {shape}"
    assert np.isfinite(out).all(), f"{name}({params}) gave non-finite values"
    assert out.dtype == np.float32


# (estimator, params, reference from the input): degenerate settings with a known result
IDENTITIES = [
    ("GaussianFilter", {"sigma": 1e-6}, lambda S: S),
    ("MedianFilter", {"size": 1}, lambda S: S),
    ("Morphology", {"operation": "opening", "size": 1}, lambda S: S),
    ("Clip", {"min": 1.0, "max": 1.0}, np.ones_like),
    ("Resize", {"shape": (32, 24)}, lambda S: S),
    # with a kernel of one bin both medians are the image: each part is half of it
    ("HPSS", {"kernel_size": 1, "power": 2.0}, lambda S: np.stack([S / 2, S / 2], axis=1)),
    ("PowerToDb", {"top_db": None, "ref": 1.0}, lambda S: 10 * np.log10(np.maximum(S, 1e-10))),
]


@pytest.mark.parametrize(
    "name, params, reference", IDENTITIES, ids=[_conflict_id(r) for r in IDENTITIES]
)
def test_degenerate_parameters_match_a_reference(name, params, reference):
    S = _specs()
    est = get_estimator(name)(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.asarray(clone(est).fit(S).transform(S))
    np.testing.assert_allclose(out, reference(S), rtol=1e-5, atol=1e-6)


# -- meta-estimators, devices and files -------------------------------------------------------


def _torch():
    return pytest.importorskip("torch")


def test_cnn_on_a_missing_cuda_device_names_the_parameter():
    torch = _torch()
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    cls = get_estimator("SpectrogramCNNClassifier")
    est = cls(**cls._get_test_params()[0], device="cuda")
    X = _specs()
    y = np.array([0, 1])
    with pytest.raises((ValueError, TypeError), match=r"device|cuda|CUDA"):
        est.fit(X, y)


def test_embedding_on_a_missing_cuda_device_names_the_parameter():
    torch = _torch()
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    est = get_estimator("PretrainedCNNEmbedding")(input_size=32, device="cuda")
    with pytest.raises((ValueError, TypeError), match=r"device|cuda|CUDA"):
        est.fit(_specs())


@pytest.mark.parametrize("what", ["folder", "missing", "not_weights"])
def test_embedding_weights_path_names_the_file(what, tmp_path):
    _torch()
    path = tmp_path if what == "folder" else tmp_path / "weights.pth"
    if what == "not_weights":
        path.write_text("not a state dict")
    est = get_estimator("PretrainedCNNEmbedding")(input_size=32, weights_path=str(path))
    with pytest.raises((ValueError, TypeError, OSError)) as info:
        est.fit(_specs())
    msg = str(info.value)
    assert "weights_path" in msg and str(path) in msg, msg


@pytest.mark.parametrize(
    "name, param, inner",
    [
        ("NetTransformer", "net", "StandardScaler"),
        ("NetTransformer", "net", "LogisticRegression"),
        ("FragmentClassifier", "estimator", "StandardScaler"),
        ("FragmentClassifier", "estimator", "KMeans"),
    ],
)
def test_meta_estimators_name_a_wrong_inner_estimator(name, param, inner):
    _torch()
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    inner_est = {
        "StandardScaler": StandardScaler,
        "LogisticRegression": LogisticRegression,
        "KMeans": KMeans,
    }[inner]()
    cls = get_estimator(name)
    params = {k: v for k, v in cls._get_test_params()[0].items() if k != param}
    est = cls(**params, **{param: inner_est})
    X = _specs() if name == "NetTransformer" else _waves(64)
    y = np.array([0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)) as info:
            est.fit(X, y)
    msg = str(info.value)
    assert re.search(rf"\b{param}\b", msg) and inner in msg, (
        f"{name}({param}={inner}()): the error should name the parameter and the estimator: {msg}"
    )
