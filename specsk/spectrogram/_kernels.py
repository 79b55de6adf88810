"""Every numba kernel of :mod:`specsk.spectrogram`, in one file on purpose.

numba's on-disk cache (``cache=True``) keys each compiled function on the source file it is
defined in (modification time and size): editing that file invalidates the cached machine
code of every function in it, and nothing else does. A cached kernel that inlines or calls
a jitted function from *another* file keeps its stale copy of the callee when only the
callee's file changes. Keeping callers and callees in this single module makes every edit
here invalidate all of them, so no manual cache clearing is ever needed (CONTRIBUTING.md,
"Compiled kernels"). The Python-side wrappers that choose threads and dtypes live in
:mod:`._engine` (STFT, ``|z| ** power``) and :mod:`._filterbank` (filter banks).
"""

from __future__ import annotations

import types

import numba
import numpy as np

__all__: list[str] = []


def _jit_pair(func):
    """(parallel, serial) numba compilations of ``func``, cached on disk separately.

    numba's cache index is keyed by the function's qualified name and bytecode, not by the
    ``parallel`` flag, so the parallel twin is compiled from a renamed copy; otherwise each
    could load the other's machine code from the cache.
    """
    twin = types.FunctionType(
        func.__code__,
        func.__globals__,
        func.__name__ + "_parallel",
        func.__defaults__,
        func.__closure__,
    )
    twin.__qualname__ = func.__qualname__ + "_parallel"
    twin.__module__ = func.__module__
    par = numba.njit(parallel=True, cache=True, nogil=True)(twin)
    ser = numba.njit(cache=True, nogil=True)(func)
    return par, ser


# -- |z| ** power without an extra pass over the complex array ------------------------------------
@numba.njit(inline="always", nogil=True, cache=True)
def _row_abs_pow(z, out, mode, half):
    """``out[j] = |z[j]| ** power`` for one row; ``mode`` 2, 1 or 0 picks power 2, 1 or other.

    The case is chosen by the caller once, outside its loops, so each loop here stays simple
    and vectorises. sqrt of the sum vectorises where np.abs (hypot) does not, and hypot's
    overflow guard is for magnitudes audio cannot reach. Inlined into the kernels below (all
    in this file, see the module docstring).
    """
    if mode == 2:
        for j in range(z.shape[0]):
            re = z[j].real
            im = z[j].imag
            out[j] = re * re + im * im
    elif mode == 1:
        for j in range(z.shape[0]):
            re = z[j].real
            im = z[j].imag
            out[j] = np.sqrt(re * re + im * im)
    else:
        for j in range(z.shape[0]):
            re = z[j].real
            im = z[j].imag
            out[j] = (re * re + im * im) ** half


def _abs_pow_kernel(z, out, power):
    mode = 2 if power == 2.0 else (1 if power == 1.0 else 0)
    half = power * 0.5
    for i in numba.prange(z.shape[0]):
        _row_abs_pow(z[i], out[i], mode, half)


abs_pow_par, abs_pow_ser = _jit_pair(_abs_pow_kernel)


# -- banded filter bank fused with |z| ** power ---------------------------------------------------
def _bank_kernel(z, power, lo, hi, offs, wts, out, block):
    n, n_frames, n_bins = z.shape
    n_out = lo.shape[0]
    total = n * n_frames
    n_blocks = (total + block - 1) // block
    zero = np.zeros(1, dtype=wts.dtype)[0]
    mode = 2 if power == 2.0 else (1 if power == 1.0 else 0)
    half = power * 0.5
    for b in numba.prange(n_blocks):
        buf = np.empty(n_bins, dtype=wts.dtype)
        for idx in range(b * block, min(total, (b + 1) * block)):
            c = idx // n_frames
            f = idx - c * n_frames
            _row_abs_pow(z[c, f], buf, mode, half)
            for m in range(n_out):
                acc = zero
                o = offs[m] - lo[m]
                for j in range(lo[m], hi[m]):
                    acc += wts[o + j] * buf[j]
                out[c, m, f] = acc


bank_par, bank_ser = _jit_pair(_bank_kernel)


# -- small dense products (MFCC's DCT) ------------------------------------------------------------
@numba.njit(cache=True, nogil=True)
def small_matmul(D, S, out):
    """``out[i] = D @ S[i]`` without BLAS: these products are tiny, and BLAS threads inside
    the block threads oversubscribe the cores."""
    n, n_in, n_frames = S.shape
    for i in range(n):
        for k in range(D.shape[0]):
            row = out[i, k]
            row[:] = 0
            for m in range(n_in):
                d = D[k, m]
                src = S[i, m]
                for f in range(n_frames):
                    row[f] += d * src[f]
