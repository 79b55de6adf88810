"""Hostile input for the audio steps."""

import numpy as np
import pytest

from specsk.audio import ToMono, to_mono


@pytest.mark.parametrize("f", [lambda X: ToMono().fit_transform(X), to_mono])
def test_to_mono_refuses_clips_without_channels(f):
    # the channel mean of no channel is NaN: refused, not returned
    with pytest.raises(ValueError, match="clips without channels"):
        f(np.zeros((2, 0, 5), np.float32))


def test_to_mono_fitted_then_channel_less_batch():
    est = ToMono().fit(np.ones((2, 1, 5), np.float32))
    with pytest.raises(ValueError, match="clips without channels"):
        est.transform(np.zeros((2, 0, 5), np.float32))
