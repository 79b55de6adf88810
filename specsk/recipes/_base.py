"""What every recipe shares: the :class:`Recipe` pipeline and front-end settings from ``sr``."""

from __future__ import annotations

import math
import numbers

from sklearn.pipeline import Pipeline

__all__ = ["Recipe", "check_recipe_args", "front_end", "log_mel_steps"]

#: dB range of every recipe's log-mel image, relative to each clip's peak (level-invariant)
TOP_DB = 80.0


def check_recipe_args(sr, duration) -> tuple[int, float]:
    """Validated ``sr`` (Hz, a positive number) and ``duration`` (seconds, positive)."""
    if isinstance(sr, bool) or not isinstance(sr, numbers.Real) or not sr > 0:
        raise ValueError(
            f"sr must be the sample rate of the waveforms in Hz (a positive number, e.g. 22050), "
            f"got {sr!r}"
        )
    if (
        isinstance(duration, bool)
        or not isinstance(duration, numbers.Real)
        or not 0 < duration < math.inf
    ):
        raise ValueError(
            "duration must be the clip length in seconds that the recipe pads or crops every "
            f"clip to (a positive number, e.g. 5.0), got {duration!r}"
        )
    if sr < 1000:
        raise ValueError(f"sr={sr} Hz is too low for audio; recipes accept sr >= 1000 Hz")
    return sr, float(duration)


def front_end(sr) -> dict:
    """STFT/mel settings that follow the sample rate, so a recipe works at any ``sr``.

    The window is the largest power of two up to about 93 ms (2048 samples at 22.05 kHz, the
    value image-based sound classifiers use; 512 at 8 kHz); the hop is a quarter of it; the
    mel bands
    cover 0 Hz to Nyquist, 128 of them when the FFT has at least 1024 points and 64 below
    (at 8 kHz a 512-point FFT has 257 bins: 128 bands would leave some of them empty).
    """
    n_fft = 2 ** math.floor(math.log2(0.093 * sr) + 0.01)
    n_fft = max(n_fft, 256)
    return {
        "n_fft": int(n_fft),
        "hop_length": int(n_fft // 4),
        "n_mels": 128 if n_fft >= 1024 else 64,
        "fmax": float(sr) / 2,
    }


def log_mel_steps(sr, *, n_fft, hop_length, n_mels, fmax, fmin=0.0) -> list:
    """``[("melspectrogram", ...), ("powertodb", ...)]``: the log-mel image recipes start from.

    dB relative to each clip's peak, floored at :data:`TOP_DB` below it, so the image does
    not depend on the recording level.
    """
    from ..spectrogram import MelSpectrogram, PowerToDb

    mel = MelSpectrogram(
        sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax
    )
    return [("melspectrogram", mel), ("powertodb", PowerToDb(ref="max", top_db=TOP_DB))]


class Recipe(Pipeline):
    """A scikit-learn ``Pipeline`` that remembers what it was built for.

    Recipes take waveforms at ``sr`` (a 2-D batch or a ragged list of 1-D clips) and fix their
    length to ``duration`` inside; ``sr`` and ``duration`` are parameters (so ``clone`` and
    ``get_params`` keep them) and are recorded as ``sr_`` and ``duration_`` by ``fit``, so a
    saved model says what audio it expects.

    Parameters
    ----------
    steps : list of (str, estimator)
        As in :class:`sklearn.pipeline.Pipeline`.
    recipe : str or None, default=None
        The recipe's name.
    sr : float or None, default=None
        Sample rate of the waveforms the recipe takes.
    duration : float or None, default=None
        Clip length (seconds) the recipe pads or crops to.
    transform_input, memory, verbose
        As in :class:`sklearn.pipeline.Pipeline`.
    """

    def __init__(
        self,
        steps,
        *,
        recipe=None,
        sr=None,
        duration=None,
        transform_input=None,
        memory=None,
        verbose=False,
    ):
        super().__init__(steps, transform_input=transform_input, memory=memory, verbose=verbose)
        self.recipe = recipe
        self.sr = sr
        self.duration = duration

    def fit(self, X, y=None, **params):
        super().fit(X, y, **params)
        self.sr_ = self.sr
        self.duration_ = self.duration
        return self
