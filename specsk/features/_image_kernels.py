"""Compiled kernels and shared helpers for the image-texture features.

The numba kernels loop over the images of a batch and reproduce the arithmetic of
scikit-image's Cython loops operation by operation, so that the co-occurrence counts,
properties and LBP codes are *identical* to ``skimage.feature.graycomatrix`` /
``graycoprops`` and ``skimage.feature.local_binary_pattern`` applied image by image.

They release the GIL (``nogil``) and :func:`run_chunked` runs them on blocks of images in a
thread pool. That is used instead of ``parallel=True``/``prange`` on purpose: numba's default
OpenMP layer spin-waits at the end of each parallel region, and on a machine shared with
other busy processes (a CI runner, a shared server) that measured 2-4x slower than these
threads, which sleep when idle.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from joblib import effective_n_jobs

__all__ = [
    "GLCM_PROPERTIES",
    "angle_name",
    "as_name_tuple",
    "as_number_tuple",
    "band_edges",
    "banded_histograms",
    "channel_names",
    "check_image_shape",
    "glcm_counts",
    "glcm_offsets",
    "glcm_props",
    "image_shape_info",
    "lbp_codes",
    "lbp_lookup",
    "lbp_offsets",
    "n_threads",
    "per_channel",
    "run_chunked",
]

GLCM_PROPERTIES = (
    "contrast",
    "dissimilarity",
    "homogeneity",
    "ASM",
    "energy",
    "correlation",
    "entropy",
)

_LBP_METHODS = {"default": 0, "ror": 1, "uniform": 2, "nri_uniform": 3, "var": 4}


# -- shared helpers ----------------------------------------------------------------------------
def n_threads(n_jobs) -> int:
    """Threads ``run_chunked`` uses for ``n_jobs`` (joblib's convention, capped at the cores)."""
    return max(1, min(effective_n_jobs(n_jobs), os.cpu_count() or 1))


def run_chunked(func, X, n_jobs=None, *args):
    """``func(X, *args)`` on blocks of images in ``n_jobs`` threads (joblib's convention).

    ``func`` must release the GIL (a ``nogil`` numba kernel) and map ``k`` images to ``k``
    rows; blocks are concatenated in order, so the result does not depend on ``n_jobs``.
    """
    workers = min(n_threads(n_jobs), len(X))
    if workers <= 1:
        return func(X, *args)
    # a few blocks per thread balance the load when other processes steal a core
    bounds = np.linspace(0, len(X), min(len(X), 4 * workers) + 1).astype(int)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda a, b: func(X[a:b], *args), bounds[:-1], bounds[1:]))
    return np.concatenate(parts, axis=0)


def per_channel(func, S: np.ndarray) -> np.ndarray:
    """Apply a ``(n, n_bins, n_frames) -> (n, k)`` feature function to 3-D or 4-D batches.

    4-D input ``(n, n_channels, n_bins, n_frames)`` gives ``(n, n_channels * k)``, channel 0's
    features first (the order of :func:`channel_names`).
    """
    if S.ndim == 3:
        return func(S)
    n, c = S.shape[:2]
    F = func(S.reshape(n * c, *S.shape[2:]))
    return F.reshape(n, c * F.shape[1])


def channel_names(names: list[str], n_channels: int | None) -> list[str]:
    """Prefix names with ``ch{k}_`` for 4-D input (``n_channels`` not None)."""
    if n_channels is None:
        return list(names)
    return [f"ch{k}_{name}" for k in range(n_channels) for name in names]


def band_edges(n_bins: int, n_bands: int) -> np.ndarray:
    """Edges of ``n_bands`` contiguous frequency bands over ``n_bins`` rows (low band first)."""
    return np.linspace(0, n_bins, n_bands + 1).round().astype(np.int64)


def image_shape_info(S: np.ndarray) -> tuple[tuple[int, int], int | None]:
    """``((n_bins, n_frames), n_channels or None)`` of a validated 3-D/4-D batch."""
    return (S.shape[-2], S.shape[-1]), (S.shape[1] if S.ndim == 4 else None)


# -- GLCM --------------------------------------------------------------------------------------
def glcm_offsets(distances, angles) -> np.ndarray:
    """Pixel offsets ``(d_row, d_col)`` per (distance, angle), as skimage's ``_glcm_loop``.

    skimage rounds ``sin(angle) * d`` (rows) and ``cos(angle) * d`` (columns) half away from
    zero (its Cython ``round``); libm ``sin``/``cos`` through :mod:`math` give the same
    doubles as the compiled code. So angle 0 pairs pixel ``(r, c)`` with ``(r, c + d)`` and
    angle pi/2 with ``(r + d, c)``.
    """

    def _round(v: float) -> int:
        return int(v + 0.5) if v > 0 else int(v - 0.5)

    out = np.empty((len(distances), len(angles), 2), dtype=np.int64)
    for i, d in enumerate(distances):
        for j, a in enumerate(angles):
            out[i, j, 0] = _round(math.sin(a) * d)
            out[i, j, 1] = _round(math.cos(a) * d)
    return out


@numba.njit(cache=True, nogil=True)
def glcm_counts(Q, offsets, levels, symmetric):  # pragma: no cover - compiled
    """Co-occurrence counts ``(n, n_dist, n_angle, levels, levels)`` (uint32) of a uint8 batch."""
    n, rows, cols = Q.shape
    nd, na = offsets.shape[0], offsets.shape[1]
    out = np.zeros((n, nd, na, levels, levels), dtype=np.uint32)
    for k in range(n):
        for d in range(nd):
            for a in range(na):
                dr = offsets[d, a, 0]
                dc = offsets[d, a, 1]
                r0 = max(0, -dr)
                r1 = min(rows, rows - dr)
                c0 = max(0, -dc)
                c1 = min(cols, cols - dc)
                P = out[k, d, a]
                for r in range(r0, r1):
                    for c in range(c0, c1):
                        i = Q[k, r, c]
                        j = Q[k, r + dr, c + dc]
                        if i < levels and j < levels:
                            P[i, j] += 1
                if symmetric:
                    for i in range(levels):
                        for j in range(i + 1, levels):
                            s = P[i, j] + P[j, i]
                            P[i, j] = s
                            P[j, i] = s
                    for i in range(levels):
                        P[i, i] *= 2
    return out


@numba.njit(cache=True, nogil=True)
def _block_sum(a, lo, n):  # pragma: no cover - compiled
    # a leaf of NumPy's pairwise summation: 8 accumulators for 8 <= n <= 128
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True)
def _pairwise_sum(a, lo, n):  # pragma: no cover - compiled
    """NumPy's pairwise summation (blocks of 128, halves rounded to multiples of 8).

    Written with explicit stacks: numba's on-disk cache crashes on recursive functions.
    """
    if n <= 128:
        return _block_sum(a, lo, n)
    s_lo = np.empty(128, dtype=np.int64)
    s_n = np.empty(128, dtype=np.int64)
    s_state = np.empty(128, dtype=np.int64)
    vals = np.empty(128, dtype=np.float64)
    top = 0
    nv = 0
    s_lo[0] = lo
    s_n[0] = n
    s_state[0] = 0
    top = 1
    while top > 0:
        top -= 1
        clo = s_lo[top]
        cn = s_n[top]
        if cn <= 128:
            vals[nv] = _block_sum(a, clo, cn)
            nv += 1
        elif s_state[top] == 1:
            right = vals[nv - 1]
            left = vals[nv - 2]
            nv -= 2
            vals[nv] = left + right
            nv += 1
        else:
            n2 = cn // 2
            n2 -= n2 % 8
            s_state[top] = 1
            top += 1
            s_lo[top] = clo + n2
            s_n[top] = cn - n2
            s_state[top] = 0
            top += 1
            s_lo[top] = clo
            s_n[top] = n2
            s_state[top] = 0
            top += 1
    return vals[0]


@numba.njit(cache=True, nogil=True)
def _reduce(T, pairwise):  # pragma: no cover - compiled
    if pairwise:
        return 0.0 + _pairwise_sum(T, 0, T.shape[0])
    res = 0.0
    for i in range(T.shape[0]):
        res += T[i]
    return res


@numba.njit(cache=True, nogil=True)
def glcm_props(counts, which, normed):  # pragma: no cover - compiled
    """Haralick properties ``(n, n_dist, n_angle, n_props)`` of co-occurrence counts.

    Follows ``graycomatrix(normed=...)`` then ``graycoprops`` operation by operation: counts
    are normalised (when ``normed``), normalised again inside graycoprops, and every sum
    is reduced in NumPy's order for a ``(L, L, D, A)`` array summed over its two leading axes
    (row-major accumulation when ``D * A > 1``, pairwise summation of the contiguous
    ``L * L`` block when ``D * A == 1``), so values are bitwise those of scikit-image.
    ``which`` holds property codes (indices into ``GLCM_PROPERTIES``).
    """
    n, nd, na, L, _ = counts.shape
    npr = which.shape[0]
    pairwise = nd * na == 1
    out = np.zeros((n, nd, na, npr), dtype=np.float64)
    for k in range(n):
        P = np.empty(L * L, dtype=np.float64)
        T = np.empty(L * L, dtype=np.float64)
        T2 = np.empty(L * L, dtype=np.float64)
        T3 = np.empty(L * L, dtype=np.float64)
        for d in range(nd):
            for a in range(na):
                C = counts[k, d, a]
                for i in range(L):
                    for j in range(L):
                        P[i * L + j] = C[i, j]
                # integer counts: any summation order is exact
                tot = 0.0
                for i in range(L * L):
                    tot += P[i]
                if normed:
                    if tot == 0.0:
                        tot = 1.0
                    for i in range(L * L):
                        P[i] /= tot
                    # graycoprops normalises once more: a sum of already normalised floats
                    tot = _reduce(P, pairwise)
                if tot == 0.0:
                    tot = 1.0
                for i in range(L * L):
                    P[i] /= tot
                for q in range(npr):
                    code = which[q]
                    if code == 0:  # contrast
                        for i in range(L):
                            for j in range(L):
                                T[i * L + j] = P[i * L + j] * float((i - j) ** 2)
                        res = _reduce(T, pairwise)
                    elif code == 1:  # dissimilarity
                        for i in range(L):
                            for j in range(L):
                                T[i * L + j] = P[i * L + j] * float(abs(i - j))
                        res = _reduce(T, pairwise)
                    elif code == 2:  # homogeneity
                        for i in range(L):
                            for j in range(L):
                                T[i * L + j] = P[i * L + j] * (1.0 / (1.0 + float((i - j) ** 2)))
                        res = _reduce(T, pairwise)
                    elif code == 3 or code == 4:  # ASM, energy
                        for i in range(L * L):
                            T[i] = P[i] * P[i]
                        res = _reduce(T, pairwise)
                        if code == 4:
                            res = math.sqrt(res)
                    elif code == 5:  # correlation
                        for i in range(L):
                            for j in range(L):
                                T[i * L + j] = float(i) * P[i * L + j]
                                T2[i * L + j] = float(j) * P[i * L + j]
                        mi = _reduce(T, pairwise)
                        mj = _reduce(T2, pairwise)
                        for i in range(L):
                            di = float(i) - mi
                            for j in range(L):
                                dj = float(j) - mj
                                p = P[i * L + j]
                                T[i * L + j] = p * (di * di)
                                T2[i * L + j] = p * (dj * dj)
                                T3[i * L + j] = p * (di * dj)
                        si = math.sqrt(_reduce(T, pairwise))
                        sj = math.sqrt(_reduce(T2, pairwise))
                        cov = _reduce(T3, pairwise)
                        if si < 1e-15 or sj < 1e-15:
                            res = 1.0
                        else:
                            res = cov / (si * sj)
                    else:  # entropy
                        for i in range(L * L):
                            p = P[i]
                            T[i] = p * (-math.log(p)) if p != 0.0 else 0.0
                        res = _reduce(T, pairwise)
                    out[k, d, a, q] = res
    return out


# -- LBP ---------------------------------------------------------------------------------------
def lbp_offsets(P: int, R: float) -> tuple[np.ndarray, np.ndarray]:
    """Sampling offsets of the LBP circle exactly as skimage (rounded to 5 decimals)."""
    rr = -R * np.sin(2 * np.pi * np.arange(P, dtype=np.double) / P)
    cc = R * np.cos(2 * np.pi * np.arange(P, dtype=np.double) / P)
    return np.round(rr, 5), np.round(cc, 5)


@numba.njit(cache=True, nogil=True)
def _lbp_axis_table(n, offsets, pad):  # pragma: no cover - compiled
    """Corner indices and weights of bilinear sampling along one axis, per position.

    For position ``x`` and offset ``o`` skimage computes ``v = x + o``, ``floor(v)``,
    ``ceil(v)`` and ``w = v - floor(v)`` in double precision; doing exactly that once per
    (position, offset) instead of once per pixel keeps every value bit-identical. Indices
    are shifted by ``pad`` into a zero-padded copy of the image (skimage's ``mode='C'``,
    ``cval=0``), which removes all bounds checks from the pixel loop.
    """
    P = offsets.shape[0]
    lo = np.empty((P, n), dtype=np.int64)
    hi = np.empty((P, n), dtype=np.int64)
    w = np.empty((P, n), dtype=np.float64)
    omw = np.empty((P, n), dtype=np.float64)
    for x in range(n):
        for i in range(P):
            v = x + offsets[i]
            fl = math.floor(v)
            ce = math.ceil(v)
            lo[i, x] = int(fl) + pad
            hi[i, x] = int(ce) + pad
            w[i, x] = v - fl
            omw[i, x] = 1 - w[i, x]
    return lo, hi, w, omw


@numba.njit(cache=True, nogil=True)
def _pattern_code(bits, P, method):  # pragma: no cover - compiled
    """Code of a thresholded circle (bit ``i`` = sample ``i`` >= centre), skimage's rules."""
    if method >= 2:
        changes = 0
        for i in range(P - 1):
            changes += ((bits >> i) & 1) ^ ((bits >> (i + 1)) & 1)
        if method == 3:  # nri_uniform
            if changes > 2:
                return float(P * (P - 1) + 2)
            n_ones = 0
            first_one = -1
            first_zero = -1
            for i in range(P):
                if (bits >> i) & 1:
                    n_ones += 1
                    if first_one == -1:
                        first_one = i
                elif first_zero == -1:
                    first_zero = i
            if n_ones == 0:
                return 0.0
            if n_ones == P:
                return float(P * (P - 1) + 1)
            if first_one == 0:
                rot_index = n_ones - first_zero
            else:
                rot_index = P - first_one
            return float(1 + (n_ones - 1) * P + rot_index)
        # uniform
        if changes > 2:
            return float(P + 1)
        n_ones = 0
        for i in range(P):
            n_ones += (bits >> i) & 1
        return float(n_ones)
    if method == 1:  # ror: minimum over cyclic right rotations
        best = bits
        val = bits
        for _ in range(1, P):
            val = (val >> 1) | ((val & 1) << (P - 1))
            if val < best:
                best = val
        return float(best)
    return float(bits)


@numba.njit(cache=True, nogil=True)
def lbp_lookup(P, method):  # pragma: no cover - compiled
    """Code of every one of the ``2**P`` threshold patterns."""
    lut = np.empty(1 << P, dtype=np.float64)
    for b in range(1 << P):
        lut[b] = _pattern_code(b, P, method)
    return lut


@numba.njit(cache=True, nogil=True)
def lbp_codes(X, rp, cp, method):  # pragma: no cover - compiled
    """LBP codes ``(n, rows, cols)`` (float64) of a float64 batch, as skimage per image.

    ``method``: 0 default, 1 ror, 2 uniform, 3 nri_uniform, 4 var. Reproduces
    ``skimage.feature.local_binary_pattern`` (bilinear sampling with zero outside the image,
    threshold ``neighbour - centre >= 0``, skimage's uniformity count over the open chain
    of ``P`` samples and its ``nri_uniform`` code layout). Pattern methods with ``P <= 16``
    threshold one sample at a time over a whole row (a branch-free, vectorisable loop) and
    map the bit pattern through a ``2**P`` lookup table; ``var`` and larger ``P`` work per
    pixel.
    """
    n, rows, cols = X.shape
    P = rp.shape[0]
    pad = int(max(np.abs(rp).max(), np.abs(cp).max())) + 2
    r_lo, r_hi, r_w, r_omw = _lbp_axis_table(rows, rp, pad)
    c_lo, c_hi, c_w, c_omw = _lbp_axis_table(cols, cp, pad)
    use_lut = method != 4 and P <= 16
    lut = lbp_lookup(P if use_lut else 1, method)
    out = np.empty((n, rows, cols), dtype=np.float64)
    for k in range(n):
        img = np.zeros((rows + 2 * pad, cols + 2 * pad), dtype=np.float64)
        img[pad : pad + rows, pad : pad + cols] = X[k]
        if use_lut:
            bits = np.empty(cols, dtype=np.int64)
            for r in range(rows):
                for c in range(cols):
                    bits[c] = 0
                crow = img[r + pad]
                for i in range(P):
                    row0 = img[r_lo[i, r]]
                    row1 = img[r_hi[i, r]]
                    wr = r_w[i, r]
                    omwr = r_omw[i, r]
                    lo_i = c_lo[i]
                    hi_i = c_hi[i]
                    w_i = c_w[i]
                    omw_i = c_omw[i]
                    for c in range(cols):
                        b0 = lo_i[c]
                        b1 = hi_i[c]
                        dc = w_i[c]
                        omdc = omw_i[c]
                        top = omdc * row0[b0] + dc * row0[b1]
                        bottom = omdc * row1[b0] + dc * row1[b1]
                        t = omwr * top + wr * bottom
                        # branch-free: a data-dependent branch here costs 4x in mispredictions
                        bits[c] += np.int64(t - crow[c + pad] >= 0) << i
                for c in range(cols):
                    out[k, r, c] = lut[bits[c]]
            continue
        texture = np.empty(P, dtype=np.float64)
        dev = np.empty(P, dtype=np.float64)
        for r in range(rows):
            for c in range(cols):
                center = img[r + pad, c + pad]
                code = 0
                for i in range(P):
                    a0 = r_lo[i, r]
                    a1 = r_hi[i, r]
                    b0 = c_lo[i, c]
                    b1 = c_hi[i, c]
                    dc = c_w[i, c]
                    omdc = c_omw[i, c]
                    top = omdc * img[a0, b0] + dc * img[a0, b1]
                    bottom = omdc * img[a1, b0] + dc * img[a1, b1]
                    t = r_omw[i, r] * top + r_w[i, r] * bottom
                    texture[i] = t
                    code += np.int64(t - center >= 0) << i
                if method == 4:  # var: np.var of the sampled circle, NumPy's summation order
                    m = _reduce(texture, True) / P
                    for i in range(P):
                        dev[i] = (texture[i] - m) * (texture[i] - m)
                    v = _reduce(dev, True) / P
                    out[k, r, c] = v if v != 0 else np.nan  # skimage marks flat circles NaN
                else:
                    out[k, r, c] = _pattern_code(code, P, method)
    return out


@numba.njit(cache=True, nogil=True)
def banded_histograms(codes, edges, n_bins):  # pragma: no cover - compiled
    """Histograms ``(n, n_bands, n_bins)`` of int64 bin indices per frequency band (rows)."""
    n = codes.shape[0]
    cols = codes.shape[2]
    nb = edges.shape[0] - 1
    out = np.zeros((n, nb, n_bins), dtype=np.float64)
    for k in range(n):
        for b in range(nb):
            for r in range(edges[b], edges[b + 1]):
                for c in range(cols):
                    v = codes[k, r, c]
                    if 0 <= v < n_bins:
                        out[k, b, v] += 1.0
    return out


# -- estimator helpers -------------------------------------------------------------------------
def check_image_shape(est, X: np.ndarray) -> None:
    """Raise if ``X``'s image shape or channel count differs from what ``est`` saw in fit."""
    (shape, n_channels) = image_shape_info(X)
    if shape != tuple(est.image_shape_) or n_channels != est.n_channels_:
        fitted = f"{tuple(est.image_shape_)} images" + (
            f" x {est.n_channels_} channels" if est.n_channels_ is not None else " (3-D input)"
        )
        got = f"{shape} images" + (
            f" x {n_channels} channels" if n_channels is not None else " (3-D input)"
        )
        raise ValueError(
            f"X holds {got} (n_bins, n_frames), but {type(est).__name__} was fitted on "
            f"{fitted}; resize or crop the spectrograms to the fitted shape"
        )


def as_number_tuple(value, name: str, *, integer=False, positive=False, nonempty=True) -> tuple:
    """Validate a scalar or sequence of numbers; return a tuple (scalars are wrapped)."""
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number or a sequence of numbers, got {value!r}"
        ) from None
    if arr.ndim != 1 or (nonempty and arr.size == 0) or not np.isfinite(arr).all():
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of finite numbers, got {value!r}"
        )
    if integer and not np.all(arr == np.round(arr)):
        raise ValueError(f"{name} must hold integers, got {value!r}")
    if positive and not np.all(arr > 0):
        raise ValueError(f"{name} must hold positive numbers, got {value!r}")
    if len(set(arr.tolist())) != arr.size:
        raise ValueError(f"{name} must not repeat values, got {value!r}")
    return tuple(int(v) for v in arr) if integer else tuple(float(v) for v in arr)


def as_name_tuple(value, name: str, allowed) -> tuple[str, ...]:
    """Validate a string or sequence of strings drawn from ``allowed``."""
    if isinstance(value, str):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise ValueError(
            f"{name} must be a tuple of names from {tuple(allowed)}, got {value!r}"
        ) from None
    bad = [v for v in out if v not in allowed]
    if bad or not out:
        raise ValueError(f"{name} has unknown or no entries {bad}; choose from {tuple(allowed)}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat names, got {out}")
    return out


def angle_name(a: float) -> str:
    """Angle in radians as a short name in degrees: 0 -> '0', pi/4 -> '45'."""
    return f"{np.degrees(a):.4g}"
