"""Per-clip non-negative matrix factorisation of spectrograms, batched.

Each spectrogram ``V`` (bins x frames) is factorised on its own as ``V ~ W H``: ``W`` holds
``k`` spectral templates (bases), ``H`` their activations over time. All clips of a batch are
solved together by multiplicative updates written with batched matrix products, so the cost
is a few ``matmul`` calls per iteration for the whole batch instead of one scikit-learn call
per clip. The updates are scikit-learn's ``solver="mu"`` ones (same epsilon handling and
stopping rule), so a clip gives the same factors as
``sklearn.decomposition.non_negative_factorization`` started from the same initialisation.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import check_spectrograms
from ._common import check_nonnegative

__all__ = ["NMFComponents", "SpectrogramNMF", "spectrogram_nmf"]

_BETA = {"frobenius": 2.0, "kullback-leibler": 1.0}
_INITS = ("nndsvda", "nndsvd", "random")
# scikit-learn's NMF epsilon (float32 eps whatever the dtype), kept for identical updates
_EPS = np.finfo(np.float32).eps
_EPS64 = np.finfo(np.float64).eps
FEATURE_STATS = ("centroid", "bandwidth", "act_mean", "act_std", "act_centroid")


def _beta_divergence(V, W, H, beta):
    """sqrt(2 * divergence) per clip, as sklearn's ``_beta_divergence(square_root=True)``."""
    WH = W @ H
    if beta == 2.0:
        d = V - WH
        res = 0.5 * np.einsum("bft,bft->b", d, d)
    else:
        keep = V > _EPS
        WHs = np.maximum(WH, _EPS)
        logs = np.log(np.where(keep, V, 1) / np.where(keep, WHs, 1))
        res = np.einsum("bft,bft->b", np.where(keep, V, 0), logs)
        res += np.einsum("bk,bk->b", W.sum(axis=1), H.sum(axis=2)) - V.sum(axis=(1, 2))
    return np.sqrt(2 * np.maximum(res, 0))


def _update_w(V, W, H, beta):
    Ht = H.swapaxes(1, 2)
    if beta == 2.0:
        num = V @ Ht
        den = W @ (H @ Ht)
    else:
        WH = np.maximum(W @ H, _EPS)
        num = (V / WH) @ Ht
        den = np.broadcast_to(H.sum(axis=2)[:, None, :], W.shape).copy()
    den[den == 0] = _EPS
    W *= num / den
    return W


def _update_h(V, W, H, beta):
    Wt = W.swapaxes(1, 2)
    if beta == 2.0:
        num = Wt @ V
        den = (Wt @ W) @ H
        den[den == 0] = _EPS
    else:
        WH = np.maximum(W @ H, _EPS)
        num = Wt @ (V / WH)
        wsum = W.sum(axis=1)
        wsum[wsum == 0] = 1.0
        den = np.broadcast_to(wsum[:, :, None], H.shape)
    H *= num / den
    if beta <= 1:
        H[H < _EPS64] = 0.0
    return H


def _multiplicative_updates(V, W, H, beta, max_iter, tol):
    """Batched sklearn ``_fit_multiplicative_update``; each clip stops on its own criterion.

    Clips that meet the stopping rule leave the working set, so a clip's result never depends
    on which other clips share its batch.
    """
    W = W.copy()
    H = H.copy()
    err0 = _beta_divergence(V, W, H, beta)
    prev = err0.copy()
    act = np.flatnonzero(err0 > 0)  # an exact (e.g. all-zero) clip has nothing to improve
    Va, Wa, Ha = V[act], W[act], H[act]
    for it in range(1, max_iter + 1):
        if act.size == 0:
            break
        Wa = _update_w(Va, Wa, Ha, beta)
        Ha = _update_h(Va, Wa, Ha, beta)
        if tol > 0 and it % 10 == 0:
            err = _beta_divergence(Va, Wa, Ha, beta)
            done = (prev[act] - err) / err0[act] < tol
            prev[act] = err
            if done.any():
                W[act[done]] = Wa[done]
                H[act[done]] = Ha[done]
                keep = ~done
                act, Va, Wa, Ha = act[keep], Va[keep], Wa[keep], Ha[keep]
    W[act] = Wa
    H[act] = Ha
    return W, H


def _safe_div(a, b):
    return a / np.where(b == 0, 1, b)


def _init_nndsvd(V, k, variant):
    """Batched sklearn NNDSVD initialisation (exact SVD instead of a randomised one)."""
    U, s, Vt = np.linalg.svd(V, full_matrices=False)
    U, s, Vt = U[..., :k], s[..., :k], Vt[:, :k, :]
    W = np.zeros((*V.shape[:2], k), dtype=V.dtype)
    H = np.zeros((len(V), k, V.shape[2]), dtype=V.dtype)
    W[..., 0] = np.sqrt(s[:, :1]) * np.abs(U[..., 0])
    H[:, 0, :] = np.sqrt(s[:, :1]) * np.abs(Vt[:, 0, :])
    if k > 1:
        x, y = U[..., 1:], Vt[:, 1:, :]  # (n, F, k-1), (n, k-1, T)
        xp, yp = np.maximum(x, 0), np.maximum(y, 0)
        xn, yn = -np.minimum(x, 0), -np.minimum(y, 0)
        xpn, ypn = np.linalg.norm(xp, axis=1), np.linalg.norm(yp, axis=2)
        xnn, ynn = np.linalg.norm(xn, axis=1), np.linalg.norm(yn, axis=2)
        mp, mn = xpn * ypn, xnn * ynn
        pos = mp > mn  # (n, k-1): the sign choice is invariant to the SVD's sign flips
        u = np.where(
            pos[:, None, :], _safe_div(xp, xpn[:, None, :]), _safe_div(xn, xnn[:, None, :])
        )
        v = np.where(pos[:, :, None], _safe_div(yp, ypn[..., None]), _safe_div(yn, ynn[..., None]))
        lbd = np.sqrt(s[:, 1:] * np.where(pos, mp, mn))
        W[..., 1:] = lbd[:, None, :] * u
        H[:, 1:, :] = lbd[..., None] * v
    W[W < 1e-6] = 0
    H[H < 1e-6] = 0
    if variant == "nndsvda":
        avg = V.mean(axis=(1, 2))
        W = np.where(W == 0, avg[:, None, None], W)
        H = np.where(H == 0, avg[:, None, None], H)
    return W.astype(V.dtype, copy=False), H.astype(V.dtype, copy=False)


def _init_random(V, k, random_state):
    # one draw shared by every clip (scaled to each clip's mean), as sklearn draws for one
    # matrix: the result for a clip does not depend on its position in the batch
    rng = check_random_state(random_state)
    _, F, T = V.shape
    Hr = np.abs(rng.standard_normal(size=(k, T))).astype(V.dtype)
    Wr = np.abs(rng.standard_normal(size=(F, k))).astype(V.dtype)
    avg = np.sqrt(V.mean(axis=(1, 2)) / k).astype(V.dtype)[:, None, None]
    return avg * Wr, avg * Hr


def _normalise_and_sort(W, H):
    """Unit-sum bases (scale moved to H), components ordered by spectral centroid."""
    wsum = W.sum(axis=1)  # (n, k)
    Wn = _safe_div(W, wsum[:, None, :])
    Hs = H * wsum[..., None]
    bins = np.arange(W.shape[1], dtype=W.dtype)
    centroid = np.einsum("f,bfk->bk", bins, Wn)
    # empty components (all-zero basis) go last
    key = np.where(wsum > 0, centroid, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    Wn = np.take_along_axis(Wn, order[:, None, :], axis=2)
    Hs = np.take_along_axis(Hs, order[:, :, None], axis=1)
    return Wn, Hs


# one declaration, shared by spectrogram_nmf (decorator) and both estimators
_NMF_CONSTRAINTS: dict = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "beta_loss": [StrOptions(set(_BETA))],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "init": [StrOptions(set(_INITS))],
    "random_state": ["random_state"],
}


def _check_nmf_input(S, n_components, init):
    # what the constraints cannot say: the data must be non-negative and large enough
    check_nonnegative(S)
    if init != "random" and n_components > min(S.shape[-2:]):
        raise ValueError(
            f"n_components={n_components} is larger than min(n_bins, n_frames)="
            f"{min(S.shape[-2:])}, which init={init!r} cannot initialise; use fewer "
            "components or init='random'"
        )


@validate_params(_NMF_CONSTRAINTS, prefer_skip_nested_validation=True)
def spectrogram_nmf(
    S,
    n_components=4,
    *,
    beta_loss="frobenius",
    max_iter=200,
    tol=1e-4,
    init="nndsvda",
    random_state=None,
):
    """Factorise every spectrogram of a batch on its own: ``S[i] ~ W[i] @ H[i]``.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Non-negative magnitude or power spectrograms (not dB). Channels of 4-D input are
        factorised separately.
    n_components : int, default=4
        Number of parts ``k`` per spectrogram.
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
        Divergence minimised by the multiplicative updates.
    max_iter : int, default=200
        Maximum number of iterations.
    tol : float, default=1e-4
        Stop a clip when its relative decrease of the divergence over 10 iterations falls
        below ``tol`` (scikit-learn's rule); 0 runs ``max_iter`` iterations.
    init : {"nndsvda", "nndsvd", "random"}, default="nndsvda"
        Initialisation, as in :class:`sklearn.decomposition.NMF` (NNDSVD from an exact SVD;
        ``"random"`` draws one matrix pair from ``random_state`` for all clips, scaled to
        each clip's mean).
    random_state : int, RandomState instance or None, default=None
        Used by ``init="random"`` only.

    Returns
    -------
    W : np.ndarray [shape=(n, n_bins, k) or (n, n_channels, n_bins, k)]
        Spectral bases, each summing to 1 over frequency (all-zero if a component is unused).
    H : np.ndarray [shape=(n, k, n_frames) or (n, n_channels, k, n_frames)]
        Activations, carrying the scale, so that ``W @ H`` approximates ``S``.

    Notes
    -----
    Components are ordered by the spectral centroid of their basis (low to high frequency),
    so component ``j`` means roughly the same thing from clip to clip. The updates are those
    of ``sklearn.decomposition.non_negative_factorization(solver="mu")``, run for all clips
    at once; each clip stops on its own, so results do not depend on the batch.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import spectrogram_nmf
    >>> S = np.random.default_rng(0).random((3, 40, 30))
    >>> W, H = spectrogram_nmf(S, n_components=2)
    >>> W.shape, H.shape
    ((3, 40, 2), (3, 2, 30))
    >>> bool(np.allclose(W.sum(axis=1), 1))
    True
    """
    S = check_spectrograms(S, name="S")
    return _spectrogram_nmf(S, n_components, beta_loss, max_iter, tol, init, random_state)


def _spectrogram_nmf(S, n_components, beta_loss, max_iter, tol, init, random_state):
    _check_nmf_input(S, n_components, init)
    k, max_iter, tol = int(n_components), int(max_iter), float(tol)
    V = S.reshape(-1, *S.shape[-2:])
    # images with extreme values (near 1e30, or denormals near 1e-40) are factorised scaled
    # by the power of two above their peak, and H scaled back: W H = V is scale equivariant,
    # while the updates' products overflow and their eps floors swamp tiny values
    peak = V.max(axis=(1, 2)).astype(np.float64)
    extreme = (peak > 2.0**30) | ((peak > 0) & (peak < 2.0**-30))
    unit = None
    if extreme.any():
        unit = np.where(extreme, np.exp2(np.ceil(np.log2(np.where(peak > 0, peak, 1.0)))), 1.0)
        V = V / unit.astype(V.dtype)[:, None, None]
    # the per-clip matrices are small: threaded BLAS only adds overhead (several times slower
    # on a busy 2-core machine); the batch itself is the unit of work
    with threadpool_limits(limits=1, user_api="blas"):
        if init == "random":
            W0, H0 = _init_random(V, k, random_state)
        else:
            W0, H0 = _init_nndsvd(V, k, init)
        W, H = _multiplicative_updates(V, W0, H0, _BETA[beta_loss], max_iter, tol)
    if unit is not None:
        H = H * unit.astype(H.dtype)[:, None, None]
    W, H = _normalise_and_sort(W, H)
    lead = S.shape[:-2]
    return W.reshape(*lead, *W.shape[1:]), H.reshape(*lead, *H.shape[1:])


def _summary(W, H):
    """(n..., k, 5) per-component statistics of sorted, normalised factors."""
    F, T = W.shape[-2], H.shape[-1]
    bins = np.arange(F, dtype=W.dtype)
    frames = np.arange(T, dtype=W.dtype)
    centroid = np.einsum("f,...fk->...k", bins, W)
    spread = np.einsum("...fk,...fk->...k", (bins[:, None] - centroid[..., None, :]) ** 2, W)
    bandwidth = np.sqrt(np.maximum(spread, 0))
    act_mean = H.mean(axis=-1)
    act_std = H.std(axis=-1)
    act_centroid = _safe_div(np.einsum("t,...kt->...k", frames, H), H.sum(axis=-1))
    return np.stack([centroid, bandwidth, act_mean, act_std, act_centroid], axis=-1)


class _NMFBase(SpecskTransformer):
    _input = "spectrogram"
    _kind = "decomposition"
    _positive_input = True  # NMF factorises non-negative (magnitude or power) spectrograms
    _expected_failed_checks = {
        "check_transformer_n_iter": (
            "premise: fit runs the iterative solver and records n_iter_. Here NMF factorises "
            "each spectrogram on its own in transform (W and H belong to that clip), so fit "
            "has no iteration count to report"
        ),
    }

    def _factorise(self, X):
        return _spectrogram_nmf(
            X,
            self.n_components,
            self.beta_loss,
            self.max_iter,
            self.tol,
            self.init,
            self.random_state,
        )


class SpectrogramNMF(FeatureExtractorMixin, _NMFBase):
    """Per-clip NMF of spectrograms, summarised as a fixed-length feature row per clip.

    Every spectrogram is factorised on its own into ``n_components`` parts (spectral basis x
    activation over time, see :func:`spectrogram_nmf`); components are sorted by the spectral
    centroid of their basis, and each gives five numbers: its basis centroid and bandwidth (in
    bins), the mean and standard deviation of its activation, and the activation's temporal
    centroid (in frames). The component images themselves come from :class:`NMFComponents`;
    the two are separate classes because their outputs differ in kind (a feature table with
    ``get_feature_names_out`` here, an image batch there).

    Parameters
    ----------
    n_components : int, default=4
        Parts per spectrogram.
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
    max_iter : int, default=200
    tol : float, default=1e-4
    init : {"nndsvda", "nndsvd", "random"}, default="nndsvda"
    random_state : int, RandomState instance or None, default=None
        Used by ``init="random"`` only.

    Attributes
    ----------
    n_channels_ : int or None
        Channels of 4-D input (factorised separately), ``None`` for 3-D input.

    Notes
    -----
    Input must be non-negative (power or magnitude, not dB). Output columns are ordered by
    channel, component, then statistic: ``nmf_c0_centroid, nmf_c0_bandwidth, nmf_c0_act_mean,
    nmf_c0_act_std, nmf_c0_act_centroid, nmf_c1_centroid, ...`` (``nmf_ch1_c0_centroid`` ...
    for 4-D input). ``fit`` learns nothing but the channel layout, for the names.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import SpectrogramNMF
    >>> S = np.random.default_rng(0).random((5, 32, 20), dtype=np.float32)
    >>> nmf = SpectrogramNMF(n_components=2).fit(S)
    >>> nmf.transform(S).shape
    (5, 10)
    >>> nmf.get_feature_names_out()[:2].tolist()
    ['nmf_c0_centroid', 'nmf_c0_bandwidth']
    """

    _parameter_constraints: dict = dict(_NMF_CONSTRAINTS)

    def __init__(
        self,
        *,
        n_components=4,
        beta_loss="frobenius",
        max_iter=200,
        tol=1e-4,
        init="nndsvda",
        random_state=None,
    ):
        self.n_components = n_components
        self.beta_loss = beta_loss
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def _fit(self, X, y):
        # fail in fit, not first in transform, for dB input and impossible sizes
        _check_nmf_input(X, self.n_components, self.init)
        self.n_channels_ = X.shape[1] if X.ndim == 4 else None

    def _transform(self, X):
        n_channels = X.shape[1] if X.ndim == 4 else None
        if n_channels != self.n_channels_:
            raise ValueError(
                f"X has {'no channel axis' if n_channels is None else f'{n_channels} channels'}"
                f" but SpectrogramNMF was fitted on "
                f"{'3-D input' if self.n_channels_ is None else f'{self.n_channels_} channels'}"
            )
        W, H = self._factorise(X)
        return _summary(W, H).reshape(len(X), -1).astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        chans = [""] if self.n_channels_ is None else [f"ch{c}_" for c in range(self.n_channels_)]
        return [
            f"nmf_{c}c{j}_{s}"
            for c in chans
            for j in range(self.n_components)
            for s in FEATURE_STATS
        ]

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"n_components": 2, "max_iter": 30},
            {
                "n_components": 3,
                "beta_loss": "kullback-leibler",
                "max_iter": 20,
                "init": "random",
                "random_state": 0,
            },
        ]


class NMFComponents(_NMFBase):
    """Per-clip NMF of spectrograms, output as one image per component.

    The image twin of :class:`SpectrogramNMF`: component ``j`` of clip ``i`` is the rank-1
    image ``W[i][:, j] H[i][j, :]`` (components sorted by spectral centroid), so a batch
    ``(n, n_bins, n_frames)`` becomes ``(n, n_components, n_bins, n_frames)``, a channel per
    part, ready for image features or a CNN.

    Parameters
    ----------
    n_components : int, default=4
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
    max_iter : int, default=200
    tol : float, default=1e-4
    init : {"nndsvda", "nndsvd", "random"}, default="nndsvda"
    random_state : int, RandomState instance or None, default=None
    mask : bool, default=False
        If True, return ``S * (W_j H_j) / (W H)`` (soft-mask filtering, the parts sum to
        ``S`` exactly) instead of the rank-1 images.

    Notes
    -----
    3-D input only (the output adds the component axis). Stateless: each clip is factorised
    on its own.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import NMFComponents
    >>> S = np.random.default_rng(0).random((5, 32, 20), dtype=np.float32)
    >>> NMFComponents(n_components=3).fit_transform(S).shape
    (5, 3, 32, 20)
    """

    _output = "spectrogram"
    _stateless = True
    _spectrogram_ranks = (3,)
    _parameter_constraints: dict = {**_NMF_CONSTRAINTS, "mask": ["boolean"]}

    def __init__(
        self,
        *,
        n_components=4,
        beta_loss="frobenius",
        max_iter=200,
        tol=1e-4,
        init="nndsvda",
        random_state=None,
        mask=False,
    ):
        self.n_components = n_components
        self.beta_loss = beta_loss
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state
        self.mask = mask

    def _transform(self, X):
        W, H = self._factorise(X)
        parts = np.einsum("nfk,nkt->nkft", W, H)
        if self.mask:
            total = parts.sum(axis=1, keepdims=True)
            parts = X[:, None] * _safe_div(parts, total)
        return parts.astype(X.dtype, copy=False)

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"n_components": 2, "max_iter": 30}, {"n_components": 3, "mask": True}]
