"""Input validation shared by every step: each bad input gets a clear error."""

import numpy as np
import pytest

from specsk.exceptions import ShortClipWarning
from specsk.utils import (
    apply_in_batches,
    as_float_array,
    check_ragged_waveforms,
    check_spectrograms,
    check_sr,
    check_waveforms,
    is_ragged,
    iter_batches,
    pad_short_clips,
)


def test_float_dtypes_kept_and_ints_become_float32():
    assert check_waveforms(np.zeros((2, 8), np.float64) + 1).dtype == np.float64
    assert check_waveforms(np.ones((2, 8), np.float32)).dtype == np.float32
    out = check_waveforms(np.full((2, 8), 3, np.int16))
    assert out.dtype == np.float32 and out[0, 0] == 3.0


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.array([[0.0, np.nan, 1.0]]), ValueError, "contains NaN"),
        (np.array([[0.0, np.inf, 1.0]]), ValueError, "contains infinity"),
        (np.zeros((2, 0)), ValueError, r"empty clips: found array with 0 feature\(s\)"),
        (np.zeros((0, 5)), ValueError, "is empty"),
        (np.zeros(5), ValueError, "x\\[np.newaxis\\]"),
        (np.zeros((2, 2, 3, 4)), ValueError, "got a 4-D array"),
        (np.zeros((2, 2, 64)), ValueError, "needs mono"),
        (np.array([["a", "b"]]), TypeError, "must hold real numbers"),
        (np.array([[1.0, {"a": 1}]], dtype=object), TypeError, "must hold real numbers"),
        (__import__("scipy.sparse").sparse.csr_matrix(np.ones((2, 3))), TypeError, "sparse"),
        (np.zeros((2, 3), complex), ValueError, "Complex data not supported"),
        ([np.zeros(4), np.zeros(6)], ValueError, "FixedLength"),
    ],
)
def test_check_waveforms_errors(X, exc, match):
    with pytest.raises(exc, match=match):
        check_waveforms(X)


def test_ragged_validation():
    clips = check_ragged_waveforms([np.zeros(4, np.int16), np.ones(7)])
    assert [c.shape for c in clips] == [(4,), (7,)]
    assert clips[0].dtype == np.float32 and clips[1].dtype == np.float64
    assert is_ragged([np.zeros(4), np.zeros(7)]) and not is_ragged(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"X\[1\] is an empty clip"):
        check_ragged_waveforms([np.zeros(4), np.zeros(0)])
    with pytest.raises(ValueError, match=r"X\[0\] contains NaN"):
        check_ragged_waveforms([np.array([np.nan, 1.0])])
    with pytest.raises(ValueError, match="ToMono"):
        check_ragged_waveforms([np.zeros((2, 5))])
    assert check_ragged_waveforms([np.zeros((2, 5))], allow_multichannel=True)[0].shape == (2, 5)
    with pytest.raises(TypeError, match="single string"):
        check_ragged_waveforms("clip.wav")
    with pytest.raises(TypeError, match="batch of clips"):
        check_ragged_waveforms(3.0)
    with pytest.raises(ValueError, match="is empty"):
        check_ragged_waveforms([])


def test_check_spectrograms():
    S = np.ones((2, 4, 5), np.float32)
    assert check_spectrograms(S) is not None
    assert check_spectrograms(np.ones((2, 3, 4, 5))).ndim == 4
    with pytest.raises(ValueError, match=r"S\[np.newaxis\]"):
        check_spectrograms(np.ones((4, 5)))
    with pytest.raises(ValueError, match="3-D"):
        check_spectrograms(np.ones((2, 3, 4, 5)), ranks=(3,))
    with pytest.raises(ValueError, match="empty dimension"):
        check_spectrograms(np.ones((2, 0, 5)))
    with pytest.raises(ValueError, match="contains NaN"):
        check_spectrograms(np.full((1, 2, 2), np.nan))


@pytest.mark.parametrize("sr", [0, -1, np.inf, "22050", True, None])
def test_check_sr_rejects(sr):
    with pytest.raises(ValueError, match="sr must be a positive number"):
        check_sr(sr)


def test_check_sr_accepts():
    assert check_sr(8000) == 8000.0


def test_pad_short_clips_warns_and_pads_at_end():
    X = np.ones((2, 3), np.float32)
    with pytest.warns(ShortClipWarning, match="zero-padded"):
        out = pad_short_clips(X, 8)
    assert out.shape == (2, 8) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :3], 1)
    np.testing.assert_array_equal(out[:, 3:], 0)
    assert pad_short_clips(X, 3) is X


def test_as_float_array_inhomogeneous():
    with pytest.raises(ValueError, match="could not be converted"):
        as_float_array([[1, 2], [3]])


def test_batches_cover_everything_in_order():
    assert list(iter_batches(5, 2)) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert list(iter_batches(5, None)) == [slice(0, 5)]
    with pytest.raises(ValueError, match="batch_size"):
        list(iter_batches(5, 0))
    X = np.arange(20.0).reshape(10, 2)
    for n_jobs in (None, 2):
        np.testing.assert_array_equal(
            apply_in_batches(lambda b: b * 2, X, batch_size=3, n_jobs=n_jobs), X * 2
        )


def test_apply_in_batches_into_memmap(tmp_path):
    X = np.arange(30.0).reshape(10, 3)
    out = np.lib.format.open_memmap(tmp_path / "out.npy", mode="w+", dtype=X.dtype, shape=X.shape)
    res = apply_in_batches(np.sqrt, X, batch_size=4, out=out)
    assert res is out
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), np.sqrt(X))
