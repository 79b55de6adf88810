"""Tiny fake dataset layouts: short silent-ish clips written with soundfile."""

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture
def write_clip():
    """``write_clip(path, sr=..., seconds=...)`` writes a short clip, creating folders."""
    rng = np.random.default_rng(0)

    def write(path, sr=8000, seconds=0.1):
        path.parent.mkdir(parents=True, exist_ok=True)
        x = (0.1 * rng.standard_normal(int(sr * seconds))).astype(np.float32)
        sf.write(path, x, sr)
        return path

    return write


def _assert_leave_one_fold_out(cv, folds, n_samples):
    """Each split of ``cv`` tests on exactly one official fold and trains on all others."""
    folds = np.asarray(folds)
    X = np.zeros((n_samples, 1))
    splits = list(cv.split(X))
    official = sorted(set(folds.tolist()) - {-1})
    assert cv.get_n_splits() == len(splits) == len(official)
    for (train, test), fold in zip(splits, official, strict=True):
        np.testing.assert_array_equal(test, np.flatnonzero(folds == fold))
        np.testing.assert_array_equal(train, np.flatnonzero(folds != fold))


@pytest.fixture
def assert_leave_one_fold_out():
    """``assert_leave_one_fold_out(cv, folds, n_samples)``: cv tests on each fold in turn."""
    return _assert_leave_one_fold_out
