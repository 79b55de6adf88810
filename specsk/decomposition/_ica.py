"""Blind source separation of multichannel recordings: FastICA per clip, batched."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from ..base import SpecskTransformer
from ..utils._sklearn_compat import Interval, Options, StrOptions, validate_params
from ..utils._validation import check_waveforms

__all__ = ["ChannelICA", "channel_ica"]

_FUNS = ("logcosh", "exp", "cube")


def _g(fun, x):
    """Non-linearity and the mean of its derivative over time (sklearn's FastICA ``fun``)."""
    if fun == "logcosh":
        gx = np.tanh(x)
        return gx, (1 - gx * gx).mean(axis=-1)
    if fun == "exp":
        e = np.exp(-(x * x) / 2)
        return x * e, ((1 - x * x) * e).mean(axis=-1)
    return x**3, (3 * x * x).mean(axis=-1)


def _sym_decorrelation(W):
    """(W W^T)^(-1/2) W for a batch of square matrices."""
    s, u = np.linalg.eigh(W @ W.swapaxes(1, 2))
    s = np.clip(s, np.finfo(W.dtype).tiny, None)
    return (u / np.sqrt(s)[:, None, :]) @ u.swapaxes(1, 2) @ W


def _whiten(X, k):
    """Centre, project on the top ``k`` principal directions, scale to unit variance."""
    Xc = X - X.mean(axis=-1, keepdims=True)
    T = X.shape[-1]
    cov = Xc @ Xc.swapaxes(1, 2) / T
    d, E = np.linalg.eigh(cov)  # ascending
    d, E = d[:, ::-1][:, :k], E[:, :, ::-1][:, :, :k]
    # a rank-deficient clip (e.g. identical channels) gets zero sources, not infinities
    good = d > np.finfo(X.dtype).eps * np.maximum(d[:, :1], np.finfo(X.dtype).tiny)
    scale = np.where(good, 1 / np.sqrt(np.where(good, d, 1)), 0)
    K = (E * scale[:, None, :]).swapaxes(1, 2)  # (n, k, C)
    return K @ Xc


def _fastica_parallel(X1, W0, fun, tol, max_iter):
    """Batched sklearn ``_ica_par``; each clip leaves the loop when it converges."""
    n, k, T = X1.shape
    W = _sym_decorrelation(np.broadcast_to(W0, (n, k, k)).copy())
    act = np.arange(n)
    Xa, Wa = X1, W.copy()
    for _ in range(max_iter):
        gwtx, g_wtx = _g(fun, Wa @ Xa)
        W1 = _sym_decorrelation(gwtx @ Xa.swapaxes(1, 2) / T - g_wtx[..., None] * Wa)
        lim = np.abs(np.abs(np.einsum("bij,bij->bi", W1, Wa)) - 1).max(axis=1)
        Wa = W1
        done = lim < tol
        if done.any():
            W[act[done]] = Wa[done]
            act, Xa, Wa = act[~done], Xa[~done], Wa[~done]
        if act.size == 0:
            break
    W[act] = Wa
    return W, act.size


def _canonical(S):
    """Unit peak, positive peak, sources ordered by dominant frequency (then by index)."""
    peak_idx = np.abs(S).argmax(axis=-1)
    peak = np.take_along_axis(S, peak_idx[..., None], axis=-1)
    S = S / np.where(peak == 0, 1, peak)
    spec = np.abs(np.fft.rfft(S, axis=-1))
    dominant = spec.argmax(axis=-1)
    order = np.argsort(dominant, axis=1, kind="stable")
    return np.take_along_axis(S, order[..., None], axis=1)


# one declaration, shared by channel_ica (decorator) and ChannelICA
_ICA_PARAMS = {
    "n_components": [Interval(Integral, 1, None, closed="left"), None],
    "whiten": [StrOptions({"unit-variance"}), Options(bool, {False})],
    "fun": [StrOptions(set(_FUNS))],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "random_state": ["random_state"],
}


@validate_params(_ICA_PARAMS, prefer_skip_nested_validation=True)
def channel_ica(
    X,
    *,
    n_components=None,
    whiten="unit-variance",
    fun="logcosh",
    max_iter=400,
    tol=1e-4,
    random_state=None,
):
    """Separate the sources mixed in each multichannel clip (FastICA over its channels).

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_channels, n_times)]
        Multichannel recordings (e.g. a microphone array or stereo), each an instantaneous
        mixture of independent sources.
    n_components : int or None, default=None
        Sources per clip, at most ``n_channels``; None means ``n_channels``.
    whiten : {"unit-variance"} or False, default="unit-variance"
        ``"unit-variance"``: centre the channels and whiten them (PCA, keeping
        ``n_components`` directions) before ICA, as FastICA does. False: use the channels
        as they are (they must already be white; ``n_components`` must then be None or
        ``n_channels``).
    fun : {"logcosh", "exp", "cube"}, default="logcosh"
        FastICA contrast function.
    max_iter : int, default=400
        Maximum fixed-point iterations per clip.
    tol : float, default=1e-4
        Convergence tolerance of the unmixing matrix (sklearn's rule).
    random_state : int, RandomState instance or None, default=None
        Draws the initial unmixing matrix, the same for every clip (so a clip's result does
        not depend on its batch). Pass an int for reproducible output.

    Returns
    -------
    sources : np.ndarray [shape=(n_clips, n_components, n_times)]
        Estimated sources, each scaled to a peak of +1 (ICA cannot recover scale or sign:
        the largest-magnitude sample is made positive), ordered by dominant frequency
        (the argmax of the magnitude spectrum, low to high), in the dtype of ``X``.

    Notes
    -----
    The fixed-point iteration is scikit-learn's parallel FastICA, run for all clips at once
    with batched ``matmul`` and ``eigh`` on ``(k, k)`` matrices; a clip stops updating when
    it converges. Computation is in float64 (the convergence test compares numbers with 1 to
    ``tol``). A :class:`~sklearn.exceptions.ConvergenceWarning` says how many clips reached
    ``max_iter``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import channel_ica
    >>> t = np.arange(4000) / 8000
    >>> s = np.stack([np.sin(2 * np.pi * 200 * t), 2 * ((150 * t) % 1) - 1])
    >>> X = (np.array([[1.0, 0.5], [0.4, 1.0]]) @ s)[np.newaxis]
    >>> sources = channel_ica(X, random_state=0)
    >>> sources.shape
    (1, 2, 4000)
    >>> bool(abs(np.corrcoef(sources[0, 1], s[0])[0, 1]) > 0.99)
    True
    """
    X = check_waveforms(X, allow_multichannel=True)
    if X.ndim != 3:
        raise ValueError(
            f"X must be 3-D (n_clips, n_channels, n_times) multichannel audio, got shape "
            f"{X.shape}; wrap a single recording as x[np.newaxis]"
        )
    return _channel_ica(X, n_components, whiten, fun, max_iter, tol, random_state)


def _channel_ica(X, n_components, whiten, fun, max_iter, tol, random_state):
    n_channels = X.shape[1]
    k = n_channels if n_components is None else int(n_components)
    if k > n_channels:
        raise ValueError(
            f"n_components={k} is larger than the number of channels ({n_channels}): ICA "
            "recovers at most one source per channel"
        )
    if whiten is False and k != n_channels:
        raise ValueError(
            f"whiten=False keeps all {n_channels} channels; n_components must be None or "
            f"{n_channels}, got {n_components}"
        )
    max_iter, tol = int(max_iter), float(tol)
    Xd = X.astype(np.float64)
    W0 = check_random_state(random_state).normal(size=(k, k))
    # (k, k) matrices: threaded BLAS/LAPACK only adds overhead
    with threadpool_limits(limits=1, user_api="blas"):
        X1 = _whiten(Xd, k) if whiten else Xd - Xd.mean(axis=-1, keepdims=True)
        W, n_left = _fastica_parallel(X1, W0, fun, tol, max_iter)
    if n_left:
        warnings.warn(
            f"FastICA did not converge for {n_left} of {len(X)} clips in max_iter={max_iter} "
            "iterations; increase max_iter or tol (Gaussian-like sources cannot be separated)",
            ConvergenceWarning,
            stacklevel=2,
        )
    return _canonical(W @ X1).astype(X.dtype, copy=False)


class ChannelICA(SpecskTransformer):
    """Blind source separation of multichannel clips: FastICA over each clip's channels.

    Takes ``(n_clips, n_channels, n_times)`` recordings and returns ``(n_clips, n_components,
    n_times)`` sources, each with unit peak, ordered by dominant frequency so that the output
    is stable (see :func:`channel_ica`). Stateless: every clip is unmixed on its own (mixing
    usually changes from recording to recording). The sources can be used as channels, or one
    of them selected, before a time-frequency step.

    Parameters
    ----------
    n_components : int or None, default=None
        Sources per clip (None: one per channel).
    whiten : {"unit-variance"} or False, default="unit-variance"
    fun : {"logcosh", "exp", "cube"}, default="logcosh"
    max_iter : int, default=400
    tol : float, default=1e-4
    random_state : int, RandomState instance or None, default=None
        Initial unmixing matrix (shared by all clips); an int makes the output reproducible.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import ChannelICA
    >>> X = np.random.default_rng(0).laplace(size=(3, 2, 2000)).astype(np.float32)
    >>> ChannelICA(random_state=0).fit_transform(X).shape
    (3, 2, 2000)
    """

    _input = "multichannel"
    _output = "waveform"
    _kind = "decomposition"
    _stateless = True

    _parameter_constraints: dict = _ICA_PARAMS
    _expected_failed_checks = {
        "check_transformer_n_iter": (
            "premise: fit runs the iterative solver and records n_iter_. ChannelICA is "
            "stateless: FastICA runs on each clip in transform (the mixing changes from "
            "recording to recording), so fit has no iteration count to report"
        ),
    }

    def __init__(
        self,
        *,
        n_components=None,
        whiten="unit-variance",
        fun="logcosh",
        max_iter=400,
        tol=1e-4,
        random_state=None,
    ):
        self.n_components = n_components
        self.whiten = whiten
        self.fun = fun
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _validate_input(self, X, *, reset: bool):
        # the base accepts 2-D here too (mono batches); ICA needs the channel axis, checked
        # before the n_features_in_ bookkeeping so that a single recording gets this message
        arr = check_waveforms(X, allow_multichannel=True)
        if arr.ndim != 3:
            raise ValueError(
                f"ChannelICA needs multichannel input (n_clips, n_channels, n_times), got a "
                f"{arr.ndim}-D array of shape {arr.shape}. Reshape your data: wrap a single "
                "recording as x[np.newaxis]"
            )
        self._n_features_bookkeeping(X, arr, reset=reset)
        return arr

    def _transform(self, X):
        return _channel_ica(
            X,
            self.n_components,
            self.whiten,
            self.fun,
            self.max_iter,
            self.tol,
            self.random_state,
        )

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"random_state": 0, "max_iter": 50}, {"n_components": 1, "random_state": 0}]
