"""Compiled (numba) kernels of the texture features: GLCM and LBP.

Only compiled code lives here; argument parsing and the estimators are in ``_glcm.py`` and
``_lbp.py``, the thread pool (:func:`~specsk.features._image_kernels.run_chunked`) in
``_image_kernels.py``. Kernels receive checked, prepared arguments (offsets, lookup tables,
codes for options) and never validate.

The kernels loop over the images of a batch and reproduce the arithmetic of scikit-image's
Cython loops operation by operation, so that the co-occurrence counts, properties and LBP
codes are *identical* to ``skimage.feature.graycomatrix`` / ``graycoprops`` and
``skimage.feature.local_binary_pattern`` applied image by image. They release the GIL
(``nogil``) so that ``run_chunked`` can run blocks of images in threads.

Each estimator has one fused kernel that goes from the float spectrograms to the feature
rows one image at a time (quantisation + counting + properties for GLCM; codes + banded
histograms for LBP): the per-image intermediates stay in the cache and the batch is read
once, instead of NumPy passes that each write a full-size float64 or int64 copy.

``cache=True`` keeps the compiled code in ``__pycache__``, keyed on this file's timestamp.
Every kernel and every helper it calls lives in this one file, so any edit here invalidates
all of them; keep it that way (a cached kernel calling a cached function of *another*
module would keep stale code when only that module changes). To rebuild by hand, delete
``specsk/features/__pycache__/_texture_kernels.*.nbi`` and ``*.nbc``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "GLCM_PROPERTIES",
    "LBP_METHODS",
    "QUANT_LEVELS",
    "QUANT_QUANTILE",
    "QUANT_UNIFORM",
    "glcm_texture",
    "lbp_codes",
    "lbp_histograms",
    "lbp_lookup",
    "quantize_levels",
]

# property codes of glcm_texture: index in this tuple
GLCM_PROPERTIES = (
    "contrast",
    "dissimilarity",
    "homogeneity",
    "ASM",
    "energy",
    "correlation",
    "entropy",
)

# method codes of the LBP kernels
LBP_METHODS = {"default": 0, "ror": 1, "uniform": 2, "nri_uniform": 3, "var": 4}

# quantiser codes of quantize_levels / glcm_texture
QUANT_UNIFORM = 0  # floor((x - lo) * scale), clipped to [0, levels - 1]
QUANT_QUANTILE = 1  # number of inner edges <= x (np.searchsorted(edges, x, "right"))
QUANT_LEVELS = 2  # x already holds integer levels in [0, levels - 1]


# -- summation in NumPy's order ----------------------------------------------------------------
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


# -- quantisation ------------------------------------------------------------------------------
@numba.njit(cache=True, nogil=True, inline="always")
def _searchsorted_right(edges, x):  # pragma: no cover - compiled
    """``np.searchsorted(edges, x, side="right")``: the number of sorted ``edges <= x``.

    Counted without data-dependent branches (a binary search mispredicts on every level of
    noisy data: 3-5x slower): a linear count for up to 64 edges, else a count over every
    ``s``-th edge (``s ~ sqrt(len(edges))``) that finds the block, then a count inside it.
    """
    m = edges.shape[0]
    if m <= 64:
        n = 0
        for i in range(m):
            n += edges[i] <= x
        return n
    s = int(math.sqrt(m))
    blocks = 0
    for i in range(s - 1, m, s):
        blocks += edges[i] <= x
    n = blocks * s
    for i in range(n, min(n + s, m)):
        n += edges[i] <= x
    return n


@numba.njit(cache=True, nogil=True)
def _quantize_image(x, mode, lo, scale, edges, levels, q):  # pragma: no cover - compiled
    """Gray levels of one image into ``q`` (uint8), as ``quantize_images``' NumPy formula.

    Uniform: ``clip(floor((float64(x) - lo) * scale), 0, levels - 1)``, computed as the
    truncation of ``v`` clamped to ``[0, levels - 1]`` (the same integer for every finite or
    infinite ``v``: truncation is ``floor`` on non-negative numbers), which is branch-free
    and vectorises.
    """
    rows, cols = x.shape
    top = levels - 1
    if mode == 0:
        ftop = float(top)
        for r in range(rows):
            xr = x[r]
            qr = q[r]
            for c in range(cols):
                v = (np.float64(xr[c]) - lo) * scale
                qr[c] = np.uint8(np.int32(min(max(v, 0.0), ftop)))
    elif mode == 1:
        for r in range(rows):
            for c in range(cols):
                q[r, c] = min(_searchsorted_right(edges, np.float64(x[r, c])), top)
    else:
        for r in range(rows):
            for c in range(cols):
                q[r, c] = np.uint8(x[r, c])


@numba.njit(cache=True, nogil=True)
def quantize_levels(X, mode, lo, scale, edges, levels):  # pragma: no cover - compiled
    """Gray levels ``(n, n_channels, rows, cols)`` (uint8) of a 4-D batch.

    ``mode``: ``QUANT_UNIFORM`` (uses ``lo[ch]``, ``scale[ch]``) or ``QUANT_QUANTILE`` (uses
    the sorted inner edges ``edges[ch]``), one quantiser per channel.
    """
    n, nc, rows, cols = X.shape
    out = np.empty((n, nc, rows, cols), dtype=np.uint8)
    for k in range(n):
        for ch in range(nc):
            _quantize_image(X[k, ch], mode, lo[ch], scale[ch], edges[ch], levels, out[k, ch])
    return out


# -- GLCM --------------------------------------------------------------------------------------
@numba.njit(cache=True, nogil=True)
def _count_pairs(q, dr, dc, C):  # pragma: no cover - compiled
    """Add the co-occurrences of levels ``q`` at offset ``(dr, dc)`` to ``C``."""
    rows, cols = q.shape
    r0 = max(0, -dr)
    r1 = min(rows, rows - dr)
    c0 = max(0, -dc)
    c1 = min(cols, cols - dc)
    for r in range(r0, r1):
        a = q[r]
        b = q[r + dr]
        for c in range(c0, c1):
            C[a[c], b[c + dc]] += 1


@numba.njit(cache=True, nogil=True)
def _haralick(C, which, normed, pairwise, out, P, T, T2, T3):  # pragma: no cover - compiled
    """Properties of one co-occurrence matrix ``C`` (L, L) into ``out`` (n_props,).

    Follows ``graycomatrix(normed=...)`` then ``graycoprops`` operation by operation: counts
    are normalised (when ``normed``), normalised again inside graycoprops, and every sum
    is reduced in NumPy's order for a ``(L, L, D, A)`` array summed over its two leading axes
    (row-major accumulation when ``D * A > 1``, pairwise summation of the contiguous
    ``L * L`` block when ``D * A == 1``: ``pairwise``), so values are bitwise those of
    scikit-image. ``P``, ``T``, ``T2``, ``T3`` are ``L * L`` float64 scratch arrays.
    """
    L = C.shape[0]
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
    for q in range(which.shape[0]):
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
        out[q] = res


@numba.njit(cache=True, nogil=True)
def glcm_texture(
    X, mode, lo, scale, edges, levels, offsets, symmetric, which, normed
):  # pragma: no cover - compiled
    """Haralick properties ``(n, n_channels, n_dist, n_angle, n_props)`` of a 4-D batch.

    One image at a time: quantise (``mode`` and per-channel ``lo``/``scale``/``edges`` as in
    :func:`quantize_levels`; ``QUANT_LEVELS`` when ``X`` already holds levels), count the
    co-occurrences of each offset ``offsets[d, a] = (d_row, d_col)`` (both orders when
    ``symmetric``), then the properties coded by ``which`` (indices into
    ``GLCM_PROPERTIES``). Equal bit for bit to ``graycomatrix`` + ``graycoprops``.
    """
    n, nc, rows, cols = X.shape
    nd, na = offsets.shape[0], offsets.shape[1]
    npr = which.shape[0]
    L = levels
    pairwise = nd * na == 1
    out = np.empty((n, nc, nd, na, npr), dtype=np.float64)
    q = np.empty((rows, cols), dtype=np.uint8)
    C = np.empty((L, L), dtype=np.uint32)
    P = np.empty(L * L, dtype=np.float64)
    T = np.empty(L * L, dtype=np.float64)
    T2 = np.empty(L * L, dtype=np.float64)
    T3 = np.empty(L * L, dtype=np.float64)
    for k in range(n):
        for ch in range(nc):
            _quantize_image(X[k, ch], mode, lo[ch], scale[ch], edges[ch], L, q)
            for d in range(nd):
                for a in range(na):
                    C[:, :] = 0
                    _count_pairs(q, offsets[d, a, 0], offsets[d, a, 1], C)
                    if symmetric:
                        for i in range(L):
                            for j in range(i + 1, L):
                                s = C[i, j] + C[j, i]
                                C[i, j] = s
                                C[j, i] = s
                        for i in range(L):
                            C[i, i] *= 2
                    _haralick(C, which, normed, pairwise, out[k, ch, d, a], P, T, T2, T3)
    return out


# -- LBP ---------------------------------------------------------------------------------------
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
def _padded(x, pad, img):  # pragma: no cover - compiled
    """Copy image ``x`` into the middle of the zeroed float64 ``img`` (skimage's ``cval=0``)."""
    rows, cols = x.shape
    img[:, :] = 0.0
    for r in range(rows):
        for c in range(cols):
            img[r + pad, c + pad] = x[r, c]


@numba.njit(cache=True, nogil=True)
def _row_bits(img, r, pad, P, rt, ct, bits):  # pragma: no cover - compiled
    """Threshold patterns of row ``r``: bit ``i`` of ``bits[c]`` = sample ``i`` >= centre.

    One sample at a time over the whole row: a branch-free loop the compiler vectorises.
    ``rt``/``ct`` are the row/column tables of :func:`_lbp_axis_table`.
    """
    r_lo, r_hi, r_w, r_omw = rt
    c_lo, c_hi, c_w, c_omw = ct
    cols = bits.shape[0]
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


@numba.njit(cache=True, nogil=True)
def _row_codes(img, r, pad, P, method, rt, ct, texture, dev, codes):  # pragma: no cover
    """Codes of row ``r`` one pixel at a time, into ``codes`` (``var``, or ``P`` > 16)."""
    r_lo, r_hi, r_w, r_omw = rt
    c_lo, c_hi, c_w, c_omw = ct
    for c in range(codes.shape[0]):
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
            codes[c] = v if v != 0 else np.nan  # skimage marks flat circles NaN
        else:
            codes[c] = _pattern_code(code, P, method)


@numba.njit(cache=True, nogil=True)
def _lbp_setup(rows, cols, rp, cp, method):  # pragma: no cover - compiled
    """What both LBP kernels precompute: padding, axis tables, and the lookup table.

    Pattern methods with ``P <= 16`` map a row's bit patterns through a ``2**P`` table
    (``use_lut``); ``var`` and larger ``P`` work per pixel.
    """
    P = rp.shape[0]
    pad = int(max(np.abs(rp).max(), np.abs(cp).max())) + 2
    rt = _lbp_axis_table(rows, rp, pad)
    ct = _lbp_axis_table(cols, cp, pad)
    use_lut = method != 4 and P <= 16
    lut = lbp_lookup(P if use_lut else 1, method)
    return pad, rt, ct, use_lut, lut


@numba.njit(cache=True, nogil=True)
def lbp_codes(X, rp, cp, method):  # pragma: no cover - compiled
    """LBP codes ``(n, rows, cols)`` (float64) of a float batch, as skimage per image.

    ``method``: 0 default, 1 ror, 2 uniform, 3 nri_uniform, 4 var (``LBP_METHODS``).
    Reproduces ``skimage.feature.local_binary_pattern`` (bilinear sampling with zero outside
    the image, threshold ``neighbour - centre >= 0``, skimage's uniformity count over the
    open chain of ``P`` samples and its ``nri_uniform`` code layout). Pattern methods with
    ``P <= 16`` threshold one sample at a time over a whole row and map the bit pattern
    through a ``2**P`` lookup table; ``var`` and larger ``P`` work per pixel.
    """
    n, rows, cols = X.shape
    P = rp.shape[0]
    pad, rt, ct, use_lut, lut = _lbp_setup(rows, cols, rp, cp, method)
    out = np.empty((n, rows, cols), dtype=np.float64)
    img = np.empty((rows + 2 * pad, cols + 2 * pad), dtype=np.float64)
    bits = np.empty(cols, dtype=np.int64)
    texture = np.empty(P, dtype=np.float64)
    dev = np.empty(P, dtype=np.float64)
    for k in range(n):
        _padded(X[k], pad, img)
        for r in range(rows):
            if use_lut:
                _row_bits(img, r, pad, P, rt, ct, bits)
                for c in range(cols):
                    out[k, r, c] = lut[bits[c]]
            else:
                _row_codes(img, r, pad, P, method, rt, ct, texture, dev, out[k, r])
    return out


@numba.njit(cache=True, nogil=True)
def lbp_histograms(
    X, rp, cp, method, n_codes, n_out, band_edges, var_edges
):  # pragma: no cover - compiled
    """Histograms ``(n, n_bands, n_out)`` (float64 counts) of LBP codes per band of rows.

    The codes are those of :func:`lbp_codes`, binned as soon as they are made: a pattern
    code goes to bin ``code * n_out // n_codes`` (the code itself when ``n_out ==
    n_codes``), a ``var`` value (NaN counted as 0) to ``searchsorted(var_edges, v,
    "right")``. Rows ``band_edges[b]:band_edges[b + 1]`` form band ``b``.
    """
    n, rows, cols = X.shape
    P = rp.shape[0]
    nb = band_edges.shape[0] - 1
    pad, rt, ct, use_lut, lut = _lbp_setup(rows, cols, rp, cp, method)
    # pattern -> histogram bin, so that the row loop is one table look-up per pixel
    bin_of = np.empty(lut.shape[0], dtype=np.int64)
    for b in range(lut.shape[0]):
        bin_of[b] = np.int64(lut[b]) * n_out // n_codes
    out = np.zeros((n, nb, n_out), dtype=np.float64)
    img = np.empty((rows + 2 * pad, cols + 2 * pad), dtype=np.float64)
    bits = np.empty(cols, dtype=np.int64)
    codes = np.empty(cols, dtype=np.float64)
    texture = np.empty(P, dtype=np.float64)
    dev = np.empty(P, dtype=np.float64)
    for k in range(n):
        _padded(X[k], pad, img)
        for band in range(nb):
            H = out[k, band]
            for r in range(band_edges[band], band_edges[band + 1]):
                if use_lut:
                    _row_bits(img, r, pad, P, rt, ct, bits)
                    for c in range(cols):
                        H[bin_of[bits[c]]] += 1.0
                else:
                    _row_codes(img, r, pad, P, method, rt, ct, texture, dev, codes)
                    for c in range(cols):
                        v = codes[c]
                        if method == 4:
                            if v != v:
                                v = 0.0
                            H[_searchsorted_right(var_edges, v)] += 1.0
                        else:
                            H[np.int64(v) * n_out // n_codes] += 1.0
    return out
