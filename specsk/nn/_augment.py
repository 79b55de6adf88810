"""Train-time augmentation of spectrogram batches: SpecAugment masks, time shift, mixup.

Everything here acts on torch batches ``(n, n_channels, n_bins, n_frames)`` inside the
training step of :class:`SpectrogramCNNClassifier` and never at prediction time. Randomness
comes from torch's global generator, which the classifier seeds with its ``random_state``, so
augmented training stays reproducible.
"""

from __future__ import annotations

import numbers

import torch
from sklearn.base import BaseEstimator

__all__ = ["Augment", "freq_mask", "mixup", "random_time_shift", "time_mask"]


def _mask_axis(x: torch.Tensor, axis: int, n_masks: int, max_width: int, value) -> torch.Tensor:
    """Set ``n_masks`` random bands of width ``0..max_width`` along ``axis`` to ``value``.

    Vectorised over the batch: one boolean mask per example is built from random starts and
    widths, so there is no Python loop over examples.
    """
    if n_masks <= 0 or max_width <= 0:
        return x
    n, size = x.shape[0], x.shape[axis]
    max_width = min(max_width, size)
    width = torch.randint(0, max_width + 1, (n, n_masks))
    start = (torch.rand(n, n_masks) * (size - width + 1)).long()
    pos = torch.arange(size)
    band = (pos >= start[..., None]) & (pos < (start + width)[..., None])  # (n, masks, size)
    mask = band.any(dim=1).to(x.device)  # (n, size)
    shape = [n] + [1] * (x.ndim - 1)
    shape[axis] = size
    mask = mask.reshape(shape)
    if isinstance(value, str):  # "mean": per-example mean, a neutral value for dB images
        fill = x.mean(dim=tuple(range(1, x.ndim)), keepdim=True)
    else:
        fill = torch.as_tensor(value, dtype=x.dtype, device=x.device)
    return torch.where(mask, fill, x)


def freq_mask(x: torch.Tensor, n_masks: int = 1, max_width: int = 8, value=0.0) -> torch.Tensor:
    """SpecAugment frequency masks on ``x [shape=(n, c, n_bins, n_frames)]``.

    Each example gets ``n_masks`` bands of random width ``0..max_width`` bins (possibly
    overlapping) set to ``value`` (a number or ``"mean"``), the same on every channel.
    """
    return _mask_axis(x, -2, n_masks, max_width, value)


def time_mask(x: torch.Tensor, n_masks: int = 1, max_width: int = 8, value=0.0) -> torch.Tensor:
    """SpecAugment time masks on ``x [shape=(n, c, n_bins, n_frames)]`` (see :func:`freq_mask`)."""
    return _mask_axis(x, -1, n_masks, max_width, value)


def random_time_shift(x: torch.Tensor, max_shift: int, mode: str = "roll") -> torch.Tensor:
    """Shift each example by a random number of frames in ``-max_shift..max_shift``.

    ``mode="roll"`` wraps frames around (fine for stationary sounds); ``"pad"`` fills the
    vacated frames with the example's minimum (silence on dB or magnitude images).
    """
    if max_shift <= 0:
        return x
    n, t = x.shape[0], x.shape[-1]
    shift = torch.randint(-max_shift, max_shift + 1, (n,))
    src = (torch.arange(t)[None, :] - shift[:, None]) % t  # (n, t)
    idx = src.to(x.device).reshape(n, *([1] * (x.ndim - 2)), t).expand_as(x)
    out = torch.gather(x, -1, idx)
    if mode == "pad":
        pos = torch.arange(t)[None, :]
        vacated = ((shift[:, None] > 0) & (pos < shift[:, None])) | (
            (shift[:, None] < 0) & (pos >= t + shift[:, None])
        )
        vacated = vacated.to(x.device).reshape(n, *([1] * (x.ndim - 2)), t)
        floor = x.amin(dim=tuple(range(1, x.ndim)), keepdim=True)
        out = torch.where(vacated, floor, out)
    return out


def mixup(x: torch.Tensor, y_onehot: torch.Tensor, alpha: float):
    """Mix each example with a random partner: ``lam * a + (1 - lam) * b`` for inputs and targets.

    ``lam ~ Beta(alpha, alpha)``, one per example. Returns ``(x_mixed, y_soft)`` where each row
    of ``y_soft`` is a convex combination of two one-hot rows (a soft target for
    cross-entropy).
    """
    n = x.shape[0]
    lam = torch.distributions.Beta(alpha, alpha).sample((n,)).to(x.dtype)
    perm = torch.randperm(n)
    lam_x = lam.reshape(n, *([1] * (x.ndim - 1))).to(x.device)
    lam_y = lam[:, None].to(y_onehot.device, y_onehot.dtype)
    return lam_x * x + (1 - lam_x) * x[perm], lam_y * y_onehot + (1 - lam_y) * y_onehot[perm]


class Augment(BaseEstimator):
    """Train-time augmentation settings for :class:`SpectrogramCNNClassifier`.

    All off by default. Pass an instance (or a dict of the same keys) as the classifier's
    ``augment`` parameter; it is an estimator-like object, so ``clone``, ``get_params`` and grid
    search (``augment__freq_masks``) work.

    Parameters
    ----------
    freq_masks : int, default=0
        Number of SpecAugment frequency masks per example.
    freq_width : int, default=8
        Maximum width of a frequency mask, in bins.
    time_masks : int, default=0
        Number of time masks per example.
    time_width : int, default=8
        Maximum width of a time mask, in frames.
    time_shift : int, default=0
        Maximum random shift in frames (both directions).
    shift_mode : {"roll", "pad"}, default="roll"
    mixup : float, default=0.0
        ``alpha`` of the Beta distribution of mixup weights; 0 disables mixup. Mixup trains on
        soft targets (cross-entropy with class probabilities).
    mask_value : float or "mean", default=0.0
        What masked bins/frames are set to; ``"mean"`` uses each example's mean (use it for
        dB images, where 0 is not silence).

    Examples
    --------
    >>> from specsk.nn import Augment
    >>> aug = Augment(freq_masks=2, freq_width=4, time_masks=2, time_width=6, mixup=0.2)
    >>> aug.enabled
    True
    """

    def __init__(
        self,
        *,
        freq_masks=0,
        freq_width=8,
        time_masks=0,
        time_width=8,
        time_shift=0,
        shift_mode="roll",
        mixup=0.0,
        mask_value=0.0,
    ):
        self.freq_masks = freq_masks
        self.freq_width = freq_width
        self.time_masks = time_masks
        self.time_width = time_width
        self.time_shift = time_shift
        self.shift_mode = shift_mode
        self.mixup = mixup
        self.mask_value = mask_value

    # the short keys of the dict form: freq_mask=(n_masks, max_width) or n_masks
    _ALIASES = {
        "freq_mask": ("freq_masks", "freq_width"),
        "time_mask": ("time_masks", "time_width"),
    }

    @classmethod
    def from_param(cls, augment) -> Augment | None:
        """Turn the classifier's ``augment`` parameter into a validated :class:`Augment`.

        Accepts None, an :class:`Augment`, or a dict of its parameters, where ``freq_mask``
        and ``time_mask`` may also be given as ``n_masks`` or ``(n_masks, max_width)``.
        """
        if augment is None:
            return None
        if isinstance(augment, Augment):
            aug = cls(**augment.get_params())
        elif isinstance(augment, dict):
            kwargs = {}
            for key, val in augment.items():
                if key in cls._ALIASES:
                    n_key, w_key = cls._ALIASES[key]
                    if isinstance(val, tuple | list):
                        if len(val) != 2:
                            raise ValueError(
                                f"augment[{key!r}] must be n_masks or (n_masks, max_width), "
                                f"got {val!r}"
                            )
                        kwargs[n_key], kwargs[w_key] = val
                    else:
                        kwargs[n_key] = val
                else:
                    kwargs[key] = val
            valid = set(cls().get_params()) | set(cls._ALIASES)
            unknown = set(kwargs) - set(cls().get_params())
            if unknown:
                raise ValueError(
                    f"augment got unknown key(s) {sorted(unknown)}; valid keys are {sorted(valid)}"
                )
            aug = cls(**kwargs)
        else:
            raise TypeError(
                f"augment must be None, a dict or a specsk.nn.Augment, got {type(augment).__name__}"
            )
        aug._check()
        return aug

    def _check(self) -> None:
        for name in ("freq_masks", "freq_width", "time_masks", "time_width", "time_shift"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
                raise ValueError(f"augment {name} must be a non-negative int, got {v!r}")
        if self.shift_mode not in ("roll", "pad"):
            raise ValueError(f"augment shift_mode must be 'roll' or 'pad', got {self.shift_mode!r}")
        if not isinstance(self.mixup, numbers.Real) or self.mixup < 0:
            raise ValueError(f"augment mixup must be a non-negative alpha, got {self.mixup!r}")
        mv = self.mask_value
        if not (mv == "mean" if isinstance(mv, str) else isinstance(mv, numbers.Real)):
            raise ValueError(f"augment mask_value must be a number or 'mean', got {mv!r}")

    @property
    def enabled(self) -> bool:
        """True if any augmentation is switched on."""
        return bool(
            (self.freq_masks and self.freq_width)
            or (self.time_masks and self.time_width)
            or self.time_shift
            or self.mixup
        )

    def __call__(self, x: torch.Tensor, y: torch.Tensor, n_classes: int):
        """Augment a training batch.

        Parameters
        ----------
        x : torch.Tensor [shape=(n, c, n_bins, n_frames)]
        y : torch.Tensor [shape=(n,)]
            Integer class indices.
        n_classes : int

        Returns
        -------
        x, y : torch.Tensor
            ``y`` stays integer indices unless mixup is on, then it is ``(n, n_classes)`` soft
            targets.
        """
        x = random_time_shift(x, self.time_shift, self.shift_mode)
        x = freq_mask(x, self.freq_masks, self.freq_width, self.mask_value)
        x = time_mask(x, self.time_masks, self.time_width, self.mask_value)
        if self.mixup:
            onehot = torch.nn.functional.one_hot(y.long(), n_classes).to(x.dtype)
            x, y = mixup(x, onehot, float(self.mixup))
        return x, y
