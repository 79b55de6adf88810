"""One declaration of parameters per twin, input validated once, no numba cache trap."""

import inspect
import pathlib
import re

import numpy as np
import pytest

import specsk.spectrogram as sg
import specsk.utils._validation as validation

# (function twin, estimator): the function is validated with the estimator's constraints
TWINS = [
    (sg.stft, sg.STFTSpectrogram),
    (sg.power_spectrogram, sg.STFTSpectrogram),
    (sg.mel_spectrogram, sg.MelSpectrogram),
    (sg.mfcc, sg.MFCC),
    (sg.chroma, sg.Chroma),
    (sg.bark_spectrogram, sg.BarkSpectrogram),
    (sg.gammatone_spectrogram, sg.GammatoneSpectrogram),
    (sg.cqt, sg.CQTSpectrogram),
    (sg.cwt_scalogram, sg.CWTScalogram),
    (sg.pcen, sg.PCEN),
    (sg.power_to_db, sg.PowerToDb),
    (sg.amplitude_to_db, sg.AmplitudeToDb),
]


@pytest.mark.parametrize("func, est", TWINS, ids=lambda x: getattr(x, "__name__", ""))
def test_twin_shares_the_estimator_constraints(func, est):
    declared = func._skl_parameter_constraints
    params = [p for p in inspect.signature(func).parameters if p not in ("X", "S")]
    assert set(params) <= set(declared)
    for name in set(params) & set(est._parameter_constraints):
        ours = est._parameter_constraints[name]
        if name in est._meta_params and ours is not declared[name]:
            # an estimator may also take None for what its input's metadata carries (sr,
            # hop_length); the numeric constraint is still the twin's very object
            assert ours[-1] is None and len(ours) == len(declared[name]) + 1, name
            assert all(a is b for a, b in zip(ours[:-1], declared[name], strict=True)), name
            continue
        # the very same declaration object, not a copy that could drift
        assert declared[name] is ours, name


@pytest.mark.parametrize(
    "func, kwargs",
    [
        (sg.stft, {"n_fft": 0}),
        (sg.mel_spectrogram, {"n_mels": 0}),
        (sg.mfcc, {"lifter": -1}),
        (sg.chroma, {"n_chroma": 1.5}),
        (sg.cqt, {"tuning": np.inf}),
        (sg.pcen, {"eps": 0}),
    ],
)
def test_twin_error_names_function_and_parameter(func, kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"'{name}' parameter of {func.__name__}"):
        func(np.zeros((2, 4096), dtype=np.float32), **kwargs)


def _count_scans(monkeypatch):
    calls = []
    original = validation._check_finite

    def counting(arr, name):
        calls.append(arr.shape)
        return original(arr, name)

    monkeypatch.setattr(validation, "_check_finite", counting)
    return calls


@pytest.mark.parametrize(
    "est, func",
    [
        (sg.MelSpectrogram(sr=8000, n_fft=256, n_mels=16), sg.mel_spectrogram),
        (sg.MFCC(sr=8000, n_fft=256, n_mels=16, n_mfcc=8), sg.mfcc),
        (sg.Chroma(sr=8000, n_fft=256), sg.chroma),
        (sg.STFTSpectrogram(n_fft=256), sg.stft),
        (sg.BarkSpectrogram(sr=8000, n_fft=256, n_bands=8), sg.bark_spectrogram),
    ],
    ids=lambda x: type(x).__name__ if not callable(x) or hasattr(x, "fit") else x.__name__,
)
def test_input_is_scanned_once_per_call(monkeypatch, est, func):
    X = np.random.default_rng(0).standard_normal((3, 2000)).astype(np.float32)
    est.fit(X)
    calls = _count_scans(monkeypatch)
    est.transform(X)
    assert len(calls) == 1
    calls.clear()
    params = {k: v for k, v in est.get_params().items() if k in inspect.signature(func).parameters}
    func(X, **params)
    assert len(calls) == 1


def test_only_the_kernel_module_uses_numba():
    # numba's disk cache is invalidated per source file: a cached kernel calling a jitted
    # function from another file would keep a stale copy of it (see _kernels.py)
    folder = pathlib.Path(sg.__file__).parent
    uses = re.compile(r"^\s*(import numba|from numba)\b", re.MULTILINE)
    users = sorted(p.name for p in folder.glob("*.py") if uses.search(p.read_text()))
    assert users == ["_kernels.py"]
