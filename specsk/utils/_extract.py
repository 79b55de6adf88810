"""Stream a transformer's output for a large dataset to disk, in chunks, resumably."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np

from ._chunking import iter_batches

__all__ = ["ExtractionResult", "extract_to_disk"]


@dataclass
class ExtractionResult:
    """What :func:`extract_to_disk` produced.

    Attributes
    ----------
    data : np.memmap [shape=(n, ...)]
        The output rows, memory-mapped from ``path`` (rows of failed items are NaN).
    ok : ndarray of bool [shape=(n,)]
        False for the items whose transform failed.
    errors : dict of int -> str
        Item index -> reason, for the failed items.
    path : Path
        The ``.npy`` file.
    """

    data: np.ndarray
    ok: np.ndarray
    errors: dict = field(default_factory=dict)
    path: Path | None = None


def _state_path(path: Path) -> Path:
    return path.with_name(path.name + ".progress.json")


def _fingerprint(transformer, n: int, batch_size: int) -> str:
    # the same fitted transformer on the same number of items in the same batches
    try:
        return joblib.hash((transformer, n, batch_size))
    except Exception:  # unpicklable (e.g. a lambda inside): fall back to its description
        return joblib.hash((repr(transformer), n, batch_size))


def _item_rows(transformer, items, *, on_error: str):
    """Transform a batch; if it fails, retry item by item so one bad item loses only itself."""
    try:
        return np.asarray(transformer.transform(items)), {}
    except Exception as exc:  # any failure: look for the bad items
        if on_error == "raise":
            raise
        batch_error = exc
    rows, errors = [], {}
    for k in range(len(items)):
        try:
            rows.append(np.asarray(transformer.transform(items[k : k + 1]))[0])
        except Exception as exc:  # one bad item must not lose the batch
            rows.append(None)
            errors[k] = f"{type(exc).__name__}: {exc}"
    good = next((r for r in rows if r is not None), None)
    if good is None:
        raise RuntimeError(f"every item of a batch failed; first error: {batch_error!r}")
    filled = [
        np.full_like(good, np.nan, dtype=np.result_type(good, np.float32)) if r is None else r
        for r in rows
    ]
    return np.stack(filled), errors


def extract_to_disk(
    transformer,
    X,
    path,
    *,
    batch_size: int = 256,
    resume: bool = True,
    on_error: str = "raise",
    verbose: bool = False,
    progress: bool | None = None,
) -> ExtractionResult:
    """Apply a fitted transformer to ``X`` batch by batch, writing rows to a ``.npy`` file.

    Memory stays bounded by one batch whatever the dataset size: each batch's output goes
    straight into an ``np.lib.format.open_memmap`` file. A progress file beside it
    (``<path>.progress.json``) records finished batches, so an interrupted extraction resumes
    where it stopped (only when the transformer, its parameters, ``len(X)`` and
    ``batch_size`` are unchanged; otherwise it starts again).

    Parameters
    ----------
    transformer : fitted transformer or Pipeline
        Anything with ``transform`` that maps ``k`` items to ``k`` rows of a fixed shape, e.g.
        ``make_pipeline(AudioLoader(sr=8000), FixedLength(...), MelSpectrogram(...))``
        fitted beforehand. Paths in, features out is the intended use.
    X : sequence [length n]
        Items (file paths, clips); indexed with slices.
    path : str or Path
        Output ``.npy`` file.
    batch_size : int, default=256
        Items per batch; peak memory is about one batch of input and output.
    resume : bool, default=True
        Continue a previous run of the same extraction instead of starting again.
    on_error : {"raise", "nan"}, default="raise"
        With ``"nan"``, a batch that fails is retried item by item; items that still fail get
        NaN rows, ``ok[i] = False`` and a reason in ``errors``, and the rest is kept.
    verbose : bool, default=False
        Show a tqdm progress bar on stderr.
    progress : bool or None, default=None
        The former name of ``verbose``, kept as an alias: when given, it sets ``verbose``.

    Returns
    -------
    result : ExtractionResult

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> out = os.path.join(tempfile.mkdtemp(), "feats.npy")
    >>> res = extract_to_disk(FunctionTransformer(np.square), X, out, batch_size=2)
    >>> np.asarray(res.data)[-1].tolist(), bool(res.ok.all())
    ([64.0, 81.0], True)
    """
    if progress is not None:
        verbose = progress
    progress = bool(verbose)
    if on_error not in ("raise", "nan"):
        raise ValueError(f"on_error must be 'raise' or 'nan', got {on_error!r}")
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    path = Path(path)
    n = len(X)
    if n == 0:
        raise ValueError("X is empty: nothing to extract")
    state_file = _state_path(path)
    fingerprint = _fingerprint(transformer, n, int(batch_size))
    slices = list(iter_batches(n, int(batch_size)))

    state = None
    if resume and state_file.exists() and path.exists():
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            state = None
        if state is not None and state.get("fingerprint") != fingerprint:
            warnings.warn(
                f"{state_file} belongs to another extraction (different transformer, "
                "parameters, dataset size or batch_size); starting again",
                stacklevel=2,
            )
            state = None

    if state is None:
        first_rows, first_errors = _item_rows(transformer, X[slices[0]], on_error=on_error)
        dtype = first_rows.dtype
        if first_errors and not np.issubdtype(dtype, np.floating):
            dtype = np.result_type(dtype, np.float32)
        out = np.lib.format.open_memmap(
            path, mode="w+", dtype=dtype, shape=(n, *first_rows.shape[1:])
        )
        out[slices[0]] = first_rows
        out.flush()
        state = {
            "fingerprint": fingerprint,
            "done": [0],
            "errors": {str(slices[0].start + k): v for k, v in first_errors.items()},
        }
        _write_state(state_file, state)
    else:
        out = np.lib.format.open_memmap(path, mode="r+")

    done = set(state["done"])
    todo = [i for i in range(len(slices)) if i not in done]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(slices), initial=len(done), desc="extracting", unit="batch")
    try:
        for i in todo:
            s = slices[i]
            rows, errors = _item_rows(transformer, X[s], on_error=on_error)
            if rows.shape[1:] != out.shape[1:]:
                raise ValueError(
                    f"batch {i} gave rows of shape {rows.shape[1:]}, the first batch "
                    f"{out.shape[1:]}: the transformer must give one fixed-shape row per item "
                    "(put FixedLength before time-frequency steps; use on_error='raise' in "
                    "AudioLoader so that no row is dropped)"
                )
            out[s] = rows
            out.flush()
            state["done"].append(i)
            state["errors"].update({str(s.start + k): v for k, v in errors.items()})
            _write_state(state_file, state)
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    errors = {int(k): v for k, v in state["errors"].items()}
    ok = np.ones(n, dtype=bool)
    ok[list(errors)] = False
    return ExtractionResult(data=out, ok=ok, errors=errors, path=path)


def _write_state(state_file: Path, state: dict) -> None:
    tmp = state_file.with_name(state_file.name + ".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, state_file)  # atomic: an interruption never leaves a half-written state
