"""Long clips: a 60 s recording at 8 kHz through every step that takes waveforms.

Each registered step whose input is audio (``waveform``, ``ragged``, ``multichannel``) gets
one 60 s clip with its first test parameters. Expected: a finite output whose time axis
scales with the clip (the frame count of the 60 s clip over that of the natural 0.5 s clip
is the ratio of their lengths, within a frame), in Python-heap memory (``tracemalloc``: NumPy
buffers are traced) bounded by a fixed budget plus a small multiple of the output. Model
and torch steps are left out: a 60 s clip is not what they are fed (fragments and images).
"""

from __future__ import annotations

import contextlib
import os
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from specsk.base import get_specsk_tags
from specsk.registry import all_estimators
from specsk.utils.estimator_checks import make_natural_input

SR = 8000
SECONDS = 60
#: heap budget on top of the input and output themselves (work buffers, filter banks)
BUDGET_BYTES = 256 * 2**20


def _long_clip_steps():
    out = []
    for name, cls in all_estimators():
        stags = get_specsk_tags(cls)
        if stags["input"] not in ("waveform", "ragged", "multichannel"):
            continue
        if stags["kind"] == "model" or cls.__module__.startswith("specsk.nn"):
            continue
        params = getattr(cls, "_get_test_params", lambda: [{}])()[0]
        out.append(pytest.param(cls, params, id=name))
    return out


def _long_input(est):
    """A 60 s clip shaped like the step's natural input (channels kept)."""
    X, _ = make_natural_input(est)
    X = np.asarray(X)
    rng = np.random.default_rng(0)
    n = SR * SECONDS
    t = np.arange(n) / SR
    tone = 0.5 * np.sin(2 * np.pi * (300.0 + 200.0 * np.sin(2 * np.pi * 0.1 * t)) * t)
    shape = (1, *X.shape[1:-1], n)
    Xl = tone + 0.05 * rng.standard_normal(shape)
    return X, Xl.astype(np.float32)


@contextlib.contextmanager
def _address_space_cap(headroom=2 * 2**30):
    """Cap the process's virtual memory at its current size plus ``headroom`` (Linux).

    A step that tries to allocate gigabytes then fails with ``MemoryError`` here instead of
    swapping a CI machine that has the memory to try; tracemalloc does not see buffers that
    C/C++ code allocates, the cap does. Thread pools reserve address space per thread (stack
    and malloc arena): they are started by the short-clip run before the cap, and the
    headroom grows with the core count for any started later.
    """
    headroom += (os.cpu_count() or 1) * 128 * 2**20
    try:
        import resource

        with open("/proc/self/status") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        old = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, StopIteration, ValueError):
        yield
        return
    cap = vm + headroom
    if old[1] != resource.RLIM_INFINITY:
        cap = min(cap, old[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


@pytest.mark.parametrize("cls, params", _long_clip_steps())
def test_long_clip_in_bounded_memory(cls, params):
    est = clone(cls(**params))
    X_short, X_long = _long_input(est)
    y = np.zeros(len(X_long), dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = np.asarray(clone(est).fit(X_short, np.arange(len(X_short)) % 2).transform(X_short))
        tracemalloc.start()
        try:
            with _address_space_cap():
                out = np.asarray(clone(est).fit(X_long, y).transform(X_long))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    name = cls.__name__
    assert np.isfinite(out).all(), f"{name}: non-finite output for a 60 s clip"
    assert out.ndim == short.ndim and out.shape[1:-1] == short.shape[1:-1], (
        f"{name}: 60 s clip gave {out.shape}, a short clip {short.shape}"
    )
    limit = BUDGET_BYTES + 4 * (X_long.nbytes + out.nbytes)
    assert peak < limit, (
        f"{name}: peak traced memory {peak / 2**20:.0f} MiB for a 60 s clip "
        f"({X_long.nbytes / 2**20:.1f} MiB in, {out.nbytes / 2**20:.1f} MiB out), over "
        f"{limit / 2**20:.0f} MiB"
    )
    ratio = X_long.shape[-1] / X_short.shape[-1]
    if out.shape[-1] > 1 and short.shape[-1] > 1:
        # the time axis grows with the clip: frames scale with the length, within a frame
        expected = short.shape[-1] * ratio
        assert abs(out.shape[-1] - expected) <= ratio + 2, (
            f"{name}: {out.shape[-1]} frames for {SECONDS} s, expected about {expected:.0f}"
        )
