"""Synthetic sound classes that differ in time-frequency structure: ``make_sounds``."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["SOUND_KINDS", "make_sounds"]

#: The sound kinds, in class order (class ``k`` of ``make_sounds`` is ``SOUND_KINDS[k]``).
SOUND_KINDS = (
    "tone",
    "chirp",
    "harmonic",
    "am_noise",
    "clicks",
    "fm_tone",
    "noise_bursts",
    "exp_down_chirp",
)

_FADE_S = 0.01  # raised-cosine fade at event edges, so only the click class has sharp onsets


def _uniform(rng, lo, hi, n):
    return rng.uniform(lo, hi, size=n)[:, None]


def _event(rng, n, t, duration):
    """Per-clip event timing: local time ``tau``, length ``L`` and a faded envelope."""
    onset = _uniform(rng, 0.0, 0.25 * duration, n)
    length = _uniform(rng, 0.5, 0.75, n) * duration
    tau = t[None, :] - onset
    fade = min(_FADE_S, 0.25 * duration)
    ramp_in = np.clip(tau / fade, 0.0, 1.0)
    ramp_out = np.clip((length - tau) / fade, 0.0, 1.0)
    env = np.sin(0.5 * np.pi * np.minimum(ramp_in, ramp_out)) ** 2
    return tau, length, env


def _tone(rng, n, t, sr, duration):
    nyq = sr / 2
    tau, _, env = _event(rng, n, t, duration)
    f = _uniform(rng, 0.06, 0.3, n) * nyq
    return env * np.sin(2 * np.pi * f * tau + _uniform(rng, 0, 2 * np.pi, n))


def _chirp(rng, n, t, sr, duration):
    nyq = sr / 2
    tau, length, env = _event(rng, n, t, duration)
    f0 = _uniform(rng, 0.04, 0.1, n) * nyq
    f1 = _uniform(rng, 0.35, 0.6, n) * nyq
    return env * np.sin(2 * np.pi * (f0 * tau + (f1 - f0) * tau**2 / (2 * length)))


def _harmonic(rng, n, t, sr, duration):
    nyq = sr / 2
    tau, _, env = _event(rng, n, t, duration)
    f0 = _uniform(rng, 0.02, 0.05, n) * nyq
    x = np.zeros((n, t.size))
    for k in range(1, 9):  # a loop over harmonics, not clips
        amp = (1.0 / k) * _uniform(rng, 0.6, 1.0, n) * (k * f0 < 0.9 * nyq)
        x += amp * np.sin(2 * np.pi * k * f0 * tau + _uniform(rng, 0, 2 * np.pi, n))
    return env * x


def _am_noise(rng, n, t, sr, duration):
    nyq = sr / 2
    tau, _, env = _event(rng, n, t, duration)
    fc = rng.uniform(0.25, 0.6, n) * nyq
    bw = rng.uniform(0.08, 0.15, n) * nyq
    # one band per clip: filter each clip's noise with its own band via a per-row mask
    spec = np.fft.rfft(rng.standard_normal((n, t.size)), axis=1)
    f = np.fft.rfftfreq(t.size, 1.0 / sr)[None, :]
    mask = np.abs(f - fc[:, None]) <= bw[:, None] / 2
    x = np.fft.irfft(spec * mask, n=t.size, axis=1)
    x /= np.maximum(np.sqrt(np.mean(x**2, axis=1, keepdims=True)), 1e-12)
    fm = _uniform(rng, 3.0, 10.0, n)
    depth = _uniform(rng, 0.7, 1.0, n)
    mod = (1 + depth * np.sin(2 * np.pi * fm * tau)) / (1 + depth)
    return env * mod * x


def _clicks(rng, n, t, sr, duration):
    from scipy.signal import fftconvolve

    tau, length, _ = _event(rng, n, t, duration)
    rate = _uniform(rng, 8.0, 25.0, n)
    inside = (tau >= 0) & (tau < length)
    # a click whenever the local click clock wraps: floor(tau * rate) increases by one
    count = np.floor(np.where(inside, tau, -1.0) * rate)
    train = np.zeros((n, t.size))
    train[:, 1:] = (np.diff(count, axis=1) > 0) & inside[:, 1:]
    train[:, 0] = inside[:, 0]
    k_len = max(2, round(0.002 * sr))
    kernel = rng.standard_normal(k_len) * np.exp(-np.arange(k_len) / (k_len / 4))
    return fftconvolve(train, kernel[None, :], axes=1)[:, : t.size]


def _fm_tone(rng, n, t, sr, duration):
    nyq = sr / 2
    tau, _, env = _event(rng, n, t, duration)
    fc = _uniform(rng, 0.1, 0.3, n) * nyq
    fm = _uniform(rng, 3.0, 8.0, n)
    dev = _uniform(rng, 0.02, 0.06, n) * nyq
    return env * np.sin(2 * np.pi * fc * tau + (dev / fm) * np.sin(2 * np.pi * fm * tau))


def _noise_bursts(rng, n, t, sr, duration):
    tau, length, env = _event(rng, n, t, duration)
    n_max = 5
    count = rng.integers(2, n_max + 1, size=n)[:, None]
    starts = rng.uniform(0.0, 1.0, (n, n_max)) * np.maximum(length - 0.08, 0.0)
    widths = rng.uniform(0.03, 0.08, (n, n_max))
    active = np.arange(n_max)[None, :] < count
    on = (
        (tau[:, None, :] >= starts[:, :, None])
        & (tau[:, None, :] < (starts + widths)[:, :, None])
        & active[:, :, None]
    ).any(axis=1)
    return env * on * rng.standard_normal((n, t.size))


def _exp_down_chirp(rng, n, t, sr, duration):
    nyq = sr / 2
    tau, length, env = _event(rng, n, t, duration)
    f0 = _uniform(rng, 0.5, 0.7, n) * nyq
    f1 = _uniform(rng, 0.05, 0.1, n) * nyq
    k = np.log(f1 / f0)
    # instantaneous frequency f0 * (f1 / f0) ** (tau / L), integrated analytically
    phase = 2 * np.pi * f0 * length * (np.exp(k * tau / length) - 1) / k
    return env * np.sin(phase)


_GENERATORS = {
    "tone": _tone,
    "chirp": _chirp,
    "harmonic": _harmonic,
    "am_noise": _am_noise,
    "clicks": _clicks,
    "fm_tone": _fm_tone,
    "noise_bursts": _noise_bursts,
    "exp_down_chirp": _exp_down_chirp,
}


def make_sounds(
    n_classes=5,
    n_per_class=20,
    *,
    sr=16000,
    duration=1.0,
    noise=0.1,
    random_state=None,
    return_names=False,
):
    """Generate a sound-classification problem whose classes differ in time-frequency shape.

    Class ``k`` is the sound kind ``SOUND_KINDS[k]``:

    0. ``"tone"``: a pure tone, 0.06-0.3 x Nyquist.
    1. ``"chirp"``: a linear up-chirp from 0.04-0.1 to 0.35-0.6 x Nyquist.
    2. ``"harmonic"``: a harmonic stack (f0 at 0.02-0.05 x Nyquist, 8 harmonics, ~1/k).
    3. ``"am_noise"``: a noise band (centre 0.25-0.6 x Nyquist) amplitude-modulated at 3-10 Hz.
    4. ``"clicks"``: a click train at 8-25 clicks/s (2 ms broadband clicks).
    5. ``"fm_tone"``: a tone with sinusoidal vibrato (3-8 Hz).
    6. ``"noise_bursts"``: 2-5 bursts of white noise, 30-80 ms each.
    7. ``"exp_down_chirp"``: an exponential down-chirp from 0.5-0.7 to 0.05-0.1 x Nyquist.

    Each clip holds one event that starts within the first quarter of the clip and lasts
    50-75 % of it (10 ms raised-cosine fades, except clicks), with every parameter above drawn
    uniformly per clip, and a peak amplitude drawn in [0.3, 0.9]; white noise is then added.
    Frequencies scale with ``sr`` so the task looks the same at any rate.

    Parameters
    ----------
    n_classes : int, default=5
        Number of classes, 2 to ``len(SOUND_KINDS)`` (8).
    n_per_class : int, default=20
        Clips per class.
    sr : int, default=16000
        Sample rate.
    duration : float, default=1.0
        Clip length in seconds; every clip has ``round(duration * sr)`` samples.
    noise : float >= 0, default=0.1
        Standard deviation of the added white Gaussian noise relative to the clip's RMS
        (computed over the whole clean clip, silence included): ``0.1`` is an SNR of 20 dB,
        ``1.0`` of 0 dB, ``0`` gives clean clips.
    random_state : int, RandomState instance or None, default=None
        Seed; an int gives the same data at every call.
    return_names : bool, default=False
        Also return the class names.

    Returns
    -------
    X : np.ndarray [shape=(n_classes * n_per_class, n_times)], float32
        The clips, class by class (all clips of class 0, then class 1, ...).
    y : np.ndarray [shape=(n_classes * n_per_class,)], int
        Class of each clip.
    names : list of str
        Only if ``return_names``: ``SOUND_KINDS[:n_classes]``.

    Examples
    --------
    >>> from specsk.datasets import make_sounds
    >>> X, y, names = make_sounds(n_classes=3, n_per_class=4, sr=8000, duration=0.5,
    ...                           random_state=0, return_names=True)
    >>> X.shape, y[:5], names
    ((12, 4000), array([0, 0, 0, 0, 1]), ['tone', 'chirp', 'harmonic'])
    """
    n_kinds = len(SOUND_KINDS)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        raise ValueError(f"n_classes must be an integer in [2, {n_kinds}], got {n_classes!r}")
    if not 2 <= n_classes <= n_kinds:
        raise ValueError(
            f"n_classes must be in [2, {n_kinds}]: make_sounds has {n_kinds} sound kinds "
            f"({', '.join(SOUND_KINDS)}), got n_classes={n_classes}"
        )
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, numbers.Integral):
        raise ValueError(f"n_per_class must be a positive integer, got {n_per_class!r}")
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be a positive integer, got {n_per_class}")
    for name, value in (("sr", sr), ("duration", duration)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < np.inf:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0 <= noise < np.inf:
        raise ValueError(f"noise must be a number >= 0 (relative to the clip RMS), got {noise!r}")
    n_times = round(duration * sr)
    if n_times < 64:
        raise ValueError(
            f"duration * sr = {duration * sr:g} samples is too short; make_sounds needs at "
            "least 64 samples per clip"
        )
    rs = check_random_state(random_state)
    rng = np.random.default_rng(rs.randint(np.iinfo(np.int32).max))
    t = np.arange(n_times) / float(sr)
    X = np.empty((n_classes * n_per_class, n_times), dtype=np.float32)
    for k, kind in enumerate(SOUND_KINDS[:n_classes]):
        x = _GENERATORS[kind](rng, n_per_class, t, float(sr), float(duration))
        peak = np.maximum(np.abs(x).max(axis=1, keepdims=True), 1e-12)
        x *= rng.uniform(0.3, 0.9, (n_per_class, 1)) / peak
        rms = np.sqrt(np.mean(x**2, axis=1, keepdims=True))
        x += noise * rms * rng.standard_normal(x.shape)
        X[k * n_per_class : (k + 1) * n_per_class] = x
    y = np.repeat(np.arange(n_classes), n_per_class)
    if return_names:
        return X, y, list(SOUND_KINDS[:n_classes])
    return X, y
