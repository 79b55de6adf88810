"""Stream a transformer's output for a large dataset to disk, in chunks, resumably."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np

from ._chunking import iter_batches

__all__ = ["ExtractionResult", "extract_to_disk"]

_STATE_VERSION = 2


@dataclass
class ExtractionResult:
    """What :func:`extract_to_disk` produced.

    Attributes
    ----------
    data : np.memmap [shape=(n, ...)]
        The output rows, memory-mapped from ``path`` (rows of failed items are NaN, or 0
        for integer output).
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


def _partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _checksum(rows: np.ndarray) -> str:
    """Checksum of rows as stored (their bytes, NaN payloads included)."""
    return hashlib.blake2b(np.ascontiguousarray(rows), digest_size=16).hexdigest()


def _steps(est):
    """``est`` itself or, for a Pipeline (nested ones too), its steps in order."""
    steps = getattr(est, "steps", None)
    if isinstance(steps, list):
        for _, step in steps:
            if step is not None and not isinstance(step, str):  # "passthrough"
                yield from _steps(step)
    else:
        yield est


def _reports(transformer) -> list:
    """``(step, load_report_)`` for every step, to tell later which reports are new."""
    return [(step, getattr(step, "load_report_", None)) for step in _steps(transformer)]


def _kept(before: list, k: int):
    """Which of ``k`` items the row-dropping steps kept, from their new ``load_report_.ok``.

    A step such as ``AudioLoader(on_error="skip")`` leaves failed items out of its output and
    says which in ``load_report_`` (``ok`` mask over its input, ``errors`` with the reasons).
    Returns ``(mask, {position: reason})``, or ``None`` when no step reported during the last
    call, or when the reports do not fit together (then nothing can be mapped).
    """
    mask = np.ones(k, dtype=bool)
    reasons, seen = {}, False
    for step, old in before:
        rep = getattr(step, "load_report_", None)
        if rep is None or rep is old:
            continue
        ok = np.asarray(getattr(rep, "ok", None))
        if ok.ndim != 1 or ok.dtype != np.bool_ or len(ok) != np.count_nonzero(mask):
            return None
        seen = True
        pos = np.flatnonzero(mask)
        detail = {int(e[0]): str(e[-1]) for e in getattr(rep, "errors", ()) or ()}
        for j in np.flatnonzero(~ok):
            why = detail.get(int(j), "left out")
            reasons[int(pos[j])] = f"{why} (left out by {type(step).__name__})"
        mask[pos[~ok]] = False
    return (mask, reasons) if seen else None


def _n_rows(rows: np.ndarray) -> int:
    return len(rows) if rows.ndim else -1


def _transform_batch(transformer, items, *, on_error: str):
    """Transform a batch: ``(rows, where, errors)``.

    ``rows[j]`` is the row of item ``where[j]`` of the batch (``rows`` is None when no item
    gave one); ``errors`` maps the position of every item without a row to the reason. No
    item ever gets a row it did not produce: when the transformer gives fewer rows than items
    (a step dropped some), the rows are mapped back through the steps' ``load_report_``;
    when they cannot be, the batch is done again item by item (``on_error="nan"``).
    """
    k = len(items)
    before = _reports(transformer)
    try:
        rows = np.asarray(transformer.transform(items))
    except Exception:  # any failure: look for the bad items
        kept = _kept(before, k)
        if kept is not None and not kept[0].any():  # every item was left out, then a step
            return None, np.zeros(0, np.intp), kept[1]  # failed on the empty batch
        if on_error == "raise":
            raise
        return _item_by_item(transformer, items)
    kept = _kept(before, k)
    if kept is not None and np.count_nonzero(kept[0]) == _n_rows(rows):
        return rows, np.flatnonzero(kept[0]), kept[1]
    if kept is None and _n_rows(rows) == k:
        return rows, np.arange(k), {}
    if on_error == "raise":
        raise ValueError(
            f"the transformer gave {max(_n_rows(rows), 0)} row(s) for a batch of {k} item(s) "
            "and no step says which item each row belongs to: every item needs exactly one "
            "row (with on_error='nan' such a batch is done again item by item)"
        )
    return _item_by_item(transformer, items)


def _item_by_item(transformer, items):
    """:func:`_transform_batch` one item at a time, so one bad item loses only itself."""
    rows, where, errors = [], [], {}
    for j in range(len(items)):
        before = _reports(transformer)
        try:
            r = np.asarray(transformer.transform(items[j : j + 1]))
        except Exception as exc:  # one bad item must not lose the batch
            kept = _kept(before, 1)
            errors[j] = (
                kept[1][0] if kept is not None and 0 in kept[1] else f"{type(exc).__name__}: {exc}"
            )
            continue
        if _n_rows(r) == 1:
            rows.append(r[0])
            where.append(j)
            continue
        kept = _kept(before, 1)
        errors[j] = (
            kept[1][0]
            if kept is not None and 0 in kept[1]
            else f"the transformer gave {max(_n_rows(r), 0)} rows for this item instead of 1"
        )
    if len({r.shape for r in rows}) > 1:
        raise ValueError(_shape_message({r.shape for r in rows}))
    return (np.stack(rows) if rows else None), np.asarray(where, dtype=np.intp), errors


def _shape_message(shapes) -> str:
    return (
        f"the transformer gave rows of different shapes ({', '.join(map(str, shapes))}): it "
        "must give one fixed-shape row per item (put FixedLength before time-frequency steps)"
    )


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
    straight into an ``np.lib.format.open_memmap`` file. The rows are written to
    ``<path>.partial``, renamed to ``path`` (atomically) once every batch is done, so ``path``
    only ever holds a complete output. A progress file beside it (``<path>.progress.json``,
    replaced atomically after each batch) records the finished batches with a checksum of
    their rows and the failed items with their reasons, so an interrupted (even killed)
    extraction resumes where it stopped (only when the transformer, its parameters,
    ``len(X)`` and ``batch_size`` are unchanged; otherwise it starts again). On resume the
    file's header and size are checked and every finished batch is verified against its
    checksum; batches whose rows were lost (a truncated or damaged file) are computed again,
    with a warning.

    Parameters
    ----------
    transformer : fitted transformer or Pipeline
        Anything with ``transform`` that maps ``k`` items to ``k`` rows of a fixed shape, e.g.
        ``make_pipeline(AudioLoader(sr=8000), FixedLength(...), MelSpectrogram(...))``
        fitted beforehand. Paths in, features out is the intended use. A step that leaves
        failed items out (``AudioLoader(on_error="skip")`` or ``"warn"``) is allowed: its
        ``load_report_`` says which items the rows belong to; the items it left out get
        ``ok[i] = False`` and its reason, whatever ``on_error``.
    X : sequence [length n]
        Items (file paths, clips); indexed with slices.
    path : str, bytes or Path
        Output ``.npy`` file; missing folders are created.
    batch_size : int, default=256
        Items per batch; peak memory is about one batch of input and output.
    resume : bool, default=True
        Continue a previous run of the same extraction instead of starting again.
    on_error : {"raise", "nan"}, default="raise"
        With ``"nan"``, a batch that fails is retried item by item; items that still fail get
        NaN rows, ``ok[i] = False`` and a reason in ``errors``, and the rest is kept (also when
        every item of a batch fails). Integer outputs are then stored as floating point.
    verbose : bool, default=False
        Show a tqdm progress bar on stderr.
    progress : bool or None, default=None
        The former name of ``verbose``, kept as an alias: when given, it sets ``verbose``.

    Returns
    -------
    result : ExtractionResult

    Raises
    ------
    RuntimeError
        When no item at all gave a row (nothing to write); its ``errors`` attribute maps
        every item to its reason.

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
    path = Path(os.fsdecode(os.fspath(path)))
    n = len(X)
    if n == 0:
        raise ValueError("X is empty: nothing to extract")
    _make_folder(path)
    state_file, partial = _state_path(path), _partial_path(path)
    slices = list(iter_batches(n, int(batch_size)))
    fingerprint = _fingerprint(transformer, n, int(batch_size))

    state, out, work = _resume(path, fingerprint, n, slices) if resume else (None, None, None)
    if state is None:
        for stale in (state_file, partial):  # never pair an old file with the new run
            stale.unlink(missing_ok=True)
        state = {
            "version": _STATE_VERSION,
            "fingerprint": fingerprint,
            "shape": None,
            "dtype": None,
            "complete": False,
            "done": {},  # batch index -> checksum of its rows as stored
            "errors": {},  # item index -> reason
        }
        work = partial

    done = state["done"]
    todo = [i for i in range(len(slices)) if str(i) not in done]
    pending = []  # batches where every item failed, seen before the row shape is known
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(slices), initial=len(done), desc="extracting", unit="batch")
    try:
        for i in todo:
            rows, where, errors = _transform_batch(transformer, X[slices[i]], on_error=on_error)
            if out is None:
                if rows is None or len(rows) == 0:
                    pending.append((i, errors))
                    if bar is not None:
                        bar.update()
                    continue
                dtype = rows.dtype
                if (on_error == "nan" or errors or pending) and not np.issubdtype(
                    dtype, np.inexact
                ):
                    dtype = np.result_type(dtype, np.float32)
                out = np.lib.format.open_memmap(
                    work, mode="w+", dtype=dtype, shape=(n, *rows.shape[1:])
                )
                state["shape"] = list(out.shape[1:])
                state["dtype"] = np.lib.format.dtype_to_descr(out.dtype)
                for j, errs in pending:
                    _write_batch(out, slices[j], j, None, None, errs, state, state_file)
                pending.clear()
            elif rows is not None and rows.shape[1:] != out.shape[1:]:
                raise ValueError(
                    f"batch {i} gave rows of shape {rows.shape[1:]}, the first batch "
                    f"{out.shape[1:]}: the transformer must give one fixed-shape row per item "
                    "(put FixedLength before time-frequency steps)"
                )
            _write_batch(out, slices[i], i, rows, where, errors, state, state_file)
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    if out is None:
        errors = {slices[i].start + j: r for i, errs in pending for j, r in errs.items()}
        first = "; ".join(f"{k}: {r}" for k, r in sorted(errors.items())[:3])
        exc = RuntimeError(f"every one of the {n} item(s) failed, nothing to write ({first})")
        exc.errors = dict(sorted(errors.items()))
        raise exc
    out.flush()
    del out  # closes the map before the rename
    if work != path:
        os.replace(work, path)  # atomic: path holds a complete output or the earlier one
    state["complete"] = True
    _write_state(state_file, state)
    errors = {int(k): v for k, v in sorted(state["errors"].items(), key=lambda kv: int(kv[0]))}
    ok = np.ones(n, dtype=bool)
    ok[list(errors)] = False
    data = np.lib.format.open_memmap(path, mode="r+")
    return ExtractionResult(data=data, ok=ok, errors=errors, path=path)


def _make_folder(path: Path) -> None:
    folder = path.parent
    if folder.is_dir():
        return
    if folder.exists():
        raise NotADirectoryError(f"cannot write {path}: {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot create the output folder {folder} for {path}: {exc}") from exc


def _write_batch(out, s: slice, i: int, rows, where, errors, state, state_file) -> None:
    """Write batch ``i`` (failed items get NaN, or 0 for integer output), then record it."""
    fill = np.nan if np.issubdtype(out.dtype, np.inexact) else 0
    full = np.full((s.stop - s.start, *out.shape[1:]), fill, dtype=out.dtype)
    if rows is not None and len(where):
        full[where] = rows
    out[s] = full
    out.flush()
    for key in range(s.start, s.stop):  # a batch done again replaces its old verdicts
        state["errors"].pop(str(key), None)
    state["errors"].update({str(s.start + j): reason for j, reason in errors.items()})
    state["done"][str(i)] = _checksum(full)
    _write_state(state_file, state)  # only now is batch i done


def _read_header(file: Path):
    """``(shape, fortran_order, dtype, data_offset)`` of a ``.npy`` file."""
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    with open(file, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version not in readers:
            raise ValueError(f"unsupported .npy format version {version}")
        shape, fortran, dtype = readers[version](f)
        return shape, fortran, dtype, f.tell()


def _resume(path: Path, fingerprint: str, n: int, slices: list):
    """``(state, out, work)`` of an earlier run of this extraction, verified, or Nones.

    ``work`` is the file the rows are in (``<path>.partial``, or ``path`` once complete),
    ``out`` its memory map. The header must match the recorded shape and dtype; a file of
    the wrong size is cut or extended to the right one, and every finished batch whose rows
    do not match their checksum is marked to do again.
    """
    nothing = (None, None, None)
    state_file, partial = _state_path(path), _partial_path(path)
    if not state_file.exists():
        return nothing
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        warnings.warn(f"{state_file} is unreadable; starting again", stacklevel=3)
        return nothing
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint:
        warnings.warn(
            f"{state_file} belongs to another extraction (different transformer, "
            "parameters, dataset size or batch_size); starting again",
            stacklevel=3,
        )
        return nothing
    if state.get("version") != _STATE_VERSION or state.get("shape") is None:
        warnings.warn(
            f"{state_file} was written by another version of specsk; starting again",
            stacklevel=3,
        )
        return nothing
    work = partial if partial.exists() else path if path.exists() else None
    if work is None:
        warnings.warn(
            f"{state_file} survives but the output ({partial.name} or {path.name}) is "
            "missing; starting again",
            stacklevel=3,
        )
        return nothing
    shape = (n, *state["shape"])
    try:
        dtype = np.lib.format.descr_to_dtype(state["dtype"])
        got_shape, fortran, got_dtype, offset = _read_header(work)
    except Exception as exc:  # a header cut short, or garbage
        warnings.warn(f"the header of {work} is unreadable ({exc}); starting again", stacklevel=3)
        return nothing
    if tuple(got_shape) != shape or fortran or got_dtype != dtype:
        warnings.warn(
            f"{work} holds {got_dtype} rows of shape {got_shape}, the progress file "
            f"{dtype} of shape {shape}; starting again",
            stacklevel=3,
        )
        return nothing
    problems = []
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    size = os.path.getsize(work)
    if size != expected:
        problems.append(
            f"it is {'truncated' if size < expected else 'too long'} "
            f"({size} bytes, {expected} expected)"
        )
        os.truncate(work, expected)
    out = np.lib.format.open_memmap(work, mode="r+")
    done = state["done"]
    bad = [
        key
        for key, digest in done.items()
        if not (0 <= int(key) < len(slices)) or _checksum(out[slices[int(key)]]) != digest
    ]
    if bad:
        problems.append(f"{len(bad)} of {len(done)} finished batch(es) fail their checksum")
        for key in bad:
            del done[key]
    if problems:
        warnings.warn(
            f"resuming {work}: {'; '.join(problems)}; the batches whose rows were lost are "
            "computed again",
            stacklevel=3,
        )
    if bad and work == path:  # a damaged complete output: repair it under the partial name
        del out
        os.replace(path, partial)
        work = partial
        out = np.lib.format.open_memmap(work, mode="r+")
        state["complete"] = False
    return state, out, work


def _write_state(state_file: Path, state: dict) -> None:
    tmp = state_file.with_name(state_file.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, state_file)  # atomic: an interruption never leaves a half-written state
