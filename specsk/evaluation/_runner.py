"""Cross-validate several pipelines on one dataset: :func:`evaluate`.

Audio is read once for every pipeline; the data-independent front of each pipeline is computed
once for all folds (and shared by pipelines with the same front); finished folds are saved so
that an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import json
import numbers
import os
import pathlib
import pickle
import re
import sys
import time
import warnings
from dataclasses import dataclass

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.pipeline import FeatureUnion, Pipeline

from ..exceptions import SpecskWarning
from ..utils._metadata import get_metadata, with_metadata
from ._results import EvaluationResult

__all__ = ["evaluate"]

#: clips per chunk when loading audio and when computing a cached prefix (bounds memory)
CHUNK = 64
_DEFAULT_FOLDS = 5
_PIPELINES_HELP = (
    "pipelines must be a dict {name: estimator} or a list of recipe names (str) from "
    "specsk.recipes.list_recipes()"
)
_DATASET_HELP = (
    "dataset must be a Bunch from a specsk.datasets loader (with paths, target and cv), or a "
    "tuple (X, y) or (X, y, cv) of waveforms (a list of 1-D arrays or a 2-D array) and labels"
)


# -- argument resolution ----------------------------------------------------------------------
@dataclass
class _Data:
    paths: list | None
    X: object  # waveforms when given in memory
    y: np.ndarray
    target_names: list | None
    cv: object
    groups: object
    sr: float | None
    duration: float | None

    def __len__(self):
        return len(self.y)


def _get(obj, key, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _resolve_dataset(dataset) -> _Data:
    if isinstance(dataset, tuple | list) and len(dataset) in (2, 3):
        X, y = dataset[0], np.asarray(dataset[1])
        cv = dataset[2] if len(dataset) == 3 else None
        if isinstance(X, np.ndarray):
            if X.ndim != 2:
                raise ValueError(
                    f"waveforms X must be a 2-D array (n_clips, n_times) or a list of 1-D "
                    f"arrays, got an array of shape {X.shape}"
                )
        elif isinstance(X, list | tuple):
            X = [np.asarray(c) for c in X]
        else:
            raise TypeError(f"{_DATASET_HELP}; got X of type {type(X).__name__}")
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(
                f"y must be 1-D with one label per clip ({len(X)}), got shape {y.shape}"
            )
        return _Data(None, X, y, None, cv, None, None, None)
    paths = _get(dataset, "paths")
    target = _get(dataset, "target")
    if paths is None or target is None:
        raise TypeError(f"{_DATASET_HELP}; got {type(dataset).__name__}")
    from ..audio._io import check_paths

    paths = check_paths(paths, name="dataset.paths")
    y = np.asarray(target)
    if y.ndim != 1 or len(y) != len(paths):
        raise ValueError(
            f"dataset.target must be 1-D with one label per path ({len(paths)}), got shape "
            f"{y.shape}"
        )
    names = _get(dataset, "target_names")
    return _Data(
        paths,
        None,
        y,
        None if names is None else [str(n) for n in names],
        _get(dataset, "cv"),
        _get(dataset, "groups"),
        _get(dataset, "sr"),
        _get(dataset, "duration"),
    )


def _encode_target(y, target_names):
    """Class indices ``0..K-1`` and the class names."""
    if (
        target_names is not None
        and np.issubdtype(y.dtype, np.integer)
        and (y.size == 0 or (y.min() >= 0 and y.max() < len(target_names)))
    ):
        return y.astype(np.intp), list(target_names)
    classes, codes = np.unique(y, return_inverse=True)
    return codes.astype(np.intp), [str(c) for c in classes]


def _resolve_pipelines(pipelines, sr, duration) -> dict:
    if isinstance(pipelines, dict):
        if not pipelines:
            raise ValueError(f"pipelines is empty; {_PIPELINES_HELP}")
        for name, est in pipelines.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"pipeline names must be non-empty str, got {name!r}")
            if not (hasattr(est, "fit") and hasattr(est, "predict")):
                raise TypeError(
                    f"pipelines[{name!r}] must be an estimator with fit and predict (a "
                    f"classifier or a Pipeline ending in one), got {type(est).__name__}"
                )
        return dict(pipelines)
    if isinstance(pipelines, list | tuple):
        if not pipelines:
            raise ValueError(f"pipelines is empty; {_PIPELINES_HELP}")
        bad = [p for p in pipelines if not isinstance(p, str)]
        if bad:
            raise TypeError(
                f"{_PIPELINES_HELP}; the list holds {type(bad[0]).__name__} {bad[0]!r}. Give "
                "estimators as a dict with names: {'mine': pipe}"
            )
        if len(set(pipelines)) != len(pipelines):
            raise ValueError(f"recipe names must be unique, got {list(pipelines)}")
        if sr is None:
            raise ValueError("recipes need the sample rate: pass sr= (the dataset has no sr field)")
        try:
            from ..recipes import get_recipe
        except ImportError as exc:  # pragma: no cover - depends on the installed version
            raise ImportError(f"recipe names need specsk.recipes ({exc})") from exc
        return {n: get_recipe(n, sr=sr, duration=duration) for n in pipelines}
    raise TypeError(f"{_PIPELINES_HELP}; got {type(pipelines).__name__}")


def _resolve_cv(cv, data_cv, random_state):
    cv = data_cv if cv is None else cv
    if cv is None:
        cv = _DEFAULT_FOLDS
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv as an int is the number of folds and must be >= 2, got {cv}")
        return StratifiedKFold(int(cv), shuffle=random_state is not None, random_state=random_state)
    if not isinstance(cv, str | bytes) and (hasattr(cv, "split") or hasattr(cv, "__iter__")):
        return check_cv(cv, classifier=True)
    raise TypeError(
        "cv must be None (the dataset's own splitter, else 5 stratified folds), an int (number "
        "of stratified folds), a splitter with split(X, y) or an iterable of (train, test) "
        f"index arrays, got {type(cv).__name__}"
    )


def _folds(cv, y, groups, mask):
    """Split the full row index, then keep only loaded rows (indices stay full-row)."""
    kwargs = {} if groups is None else {"groups": groups}
    folds = []
    for k, (tr, te) in enumerate(cv.split(np.zeros((len(y), 1)), y, **kwargs)):
        tr, te = np.asarray(tr), np.asarray(te)
        tr, te = tr[mask[tr]], te[mask[te]]
        if te.size == 0:
            warnings.warn(
                f"fold {k + 1} has no loaded clip left in its test set and is skipped",
                SpecskWarning,
                stacklevel=3,
            )
            continue
        if tr.size == 0:
            raise ValueError(f"fold {k + 1} has no loaded clip left in its training set")
        folds.append((tr, te))
    if not folds:
        raise ValueError("the splitter gave no fold with loaded clips to test")
    return folds


def _seeded(est, random_state):
    """``est`` with every ``random_state`` parameter left at ``None`` set to the seed."""
    if random_state is None or not hasattr(est, "get_params"):
        return est
    params = est.get_params(deep=True)
    updates = {
        k: random_state
        for k, v in params.items()
        if (k == "random_state" or k.endswith("__random_state")) and v is None
    }
    return est.set_params(**updates) if updates else est


def _check_cache_dir(cache_dir):
    if cache_dir is None:
        return None
    if isinstance(cache_dir, bytes) or not isinstance(cache_dir, str | os.PathLike):
        raise TypeError(
            f"cache_dir must be a folder path (str or os.PathLike) or None, got "
            f"{type(cache_dir).__name__}"
        )
    cache_dir = os.path.expanduser(os.fspath(cache_dir))
    os.makedirs(cache_dir, exist_ok=True)
    return cache_dir


# -- small helpers ------------------------------------------------------------------------------
def _bar(progress, **kwargs):
    from tqdm.auto import tqdm

    return tqdm(disable=not progress, file=sys.stderr, **kwargs)


def _take(X, idx):
    """Rows ``idx`` of ``X`` (a list of clips or an array), keeping its signal metadata."""
    meta = get_metadata(X)
    if isinstance(X, list):
        return with_metadata([X[i] for i in idx], meta)
    return with_metadata(np.asarray(X[idx]), meta)


def _atomic_write(path, write):
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _atomic_pickle(path, obj):
    def write(tmp):
        with open(tmp, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)

    _atomic_write(path, write)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60] or "pipeline"


# -- audio --------------------------------------------------------------------------------------
def _audio_key(paths, sr) -> str:
    stats = []
    for p in paths:
        try:
            st = os.stat(p)
            stats.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stats.append(None)
    return joblib.hash((list(paths), None if sr is None else float(sr), stats))


def _load(paths, sr, key, cache_dir, progress):
    """Read every file once (in chunks, with a progress bar); cached as a pickle."""
    from ..audio._io import LoadReport, load_audio

    cache = None if cache_dir is None else os.path.join(cache_dir, "audio", f"{key}.pkl")
    if cache is not None and os.path.exists(cache):
        with open(cache, "rb") as f:
            clips, report = pickle.load(f)
        return clips, report
    clips, ok, errors, rates = [], [], [], set()
    with _bar(progress, total=len(paths), desc="loading audio", unit="file") as bar:
        for start in range(0, len(paths), CHUNK):
            chunk = paths[start : start + CHUNK]
            c, rep = load_audio(chunk, sr=sr, on_error="skip")
            clips += c
            ok.append(rep.ok)
            errors += [(start + i, p, r) for i, p, r in rep.errors]
            if rep.sr is not None:
                rates.add(rep.sr)
            bar.update(len(chunk))
    if len(rates) > 1:
        raise ValueError(
            f"the files have different sample rates ({sorted(rates)}) and sr=None keeps the "
            f"native rate; pass sr= to resample them to one rate"
        )
    report = LoadReport(
        paths=list(paths),
        ok=np.concatenate(ok),
        errors=errors,
        sr=next(iter(rates)) if rates else None,
    )
    if cache is not None:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        _atomic_pickle(cache, (clips, report))
    return clips, report


# -- the data-independent prefix ----------------------------------------------------------------
def _learns_nothing(step) -> bool:
    if step is None or (isinstance(step, str) and step in ("passthrough", "drop")):
        return True
    # composites learn nothing when none of their parts does
    if isinstance(step, Pipeline):
        return all(_learns_nothing(s) for _, s in step.steps)
    if isinstance(step, FeatureUnion):
        return all(_learns_nothing(t) for _, t in step.transformer_list)
    if getattr(step, "_learns_from_data", True) is False:
        return True
    from ..base import get_specsk_tags

    try:
        return get_specsk_tags(step)["requires_fit"] is False
    except Exception:  # a third-party step whose tags cannot be read: assume it learns
        return False


def _needs_fit(step) -> bool:
    from ..base import get_specsk_tags

    try:
        return bool(get_specsk_tags(step)["requires_fit"])
    except Exception:
        return hasattr(step, "fit")


def _split_prefix(est):
    """``(prefix_steps, rest)``: the longest front of a Pipeline that learns nothing."""
    if not isinstance(est, Pipeline):
        return [], est
    k = 0
    for _, step in est.steps[:-1]:
        if not _learns_nothing(step):
            break
        k += 1
    prefix = [s for _, s in est.steps[:k] if not (s is None or isinstance(s, str))]
    if not prefix:
        return [], est
    rest = clone(est)
    rest.steps = rest.steps[k:]
    return prefix, rest


def _prefix_key(prefix, audio_key) -> str:
    described = [
        (type(s).__module__, type(s).__qualname__, clone(s).get_params(deep=True)) for s in prefix
    ]
    return joblib.hash((audio_key, described))


def _compute_prefix(prefix, clips, y, progress, desc):
    """Apply the prefix chunk by chunk; steps that need ``fit`` are fitted on the first chunk
    (they learn nothing from the data, so any chunk will do)."""
    steps = [clone(s) for s in prefix]
    n = len(clips)
    out = None
    with _bar(progress, total=n, desc=desc, unit="clip") as bar:
        for start in range(0, n, CHUNK):
            stop = min(start + CHUNK, n)
            Z = clips[start:stop]
            for step in steps:
                if start == 0 and _needs_fit(step):
                    step.fit(Z, y[start:stop])
                Z = step.transform(Z)
            if hasattr(Z, "to_numpy"):  # set_output(transform="pandas")
                Z = Z.to_numpy()
            if start == 0:
                meta = get_metadata(Z)  # the same for every chunk of equal-length clips
                out = (
                    np.empty((n, *Z.shape[1:]), dtype=Z.dtype) if isinstance(Z, np.ndarray) else []
                )
            if isinstance(out, np.ndarray):
                if not isinstance(Z, np.ndarray) or Z.shape[1:] != out.shape[1:]:
                    raise ValueError(
                        f"the data-independent steps {[type(s).__name__ for s in steps]} give "
                        f"outputs of shape {getattr(Z, 'shape', type(Z).__name__)} for clips "
                        f"{start}-{stop - 1} but {out.shape[1:]} for the first clips; make the "
                        "clips equal length first (FixedLength(duration=..., sr=...))"
                    )
                out[start:stop] = Z
            else:
                out += list(Z)
            bar.update(stop - start)
    return with_metadata(out, meta)


def _save_meta(path, Z) -> None:
    meta = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in get_metadata(Z).items()}
    _atomic_write(path, lambda tmp: pathlib.Path(tmp).write_text(json.dumps(meta)))


def _load_meta(path) -> dict:
    return json.loads(pathlib.Path(path).read_text()) if os.path.exists(path) else {}


def _prefix_output(prefix, clips, y, key, memo, cache_dir, progress, name):
    """The prefix's output on all loaded clips: from memory, from disk, or computed."""
    if key in memo:
        return memo[key], 0.0
    t0 = time.perf_counter()
    path = None
    if cache_dir is not None:
        folder = os.path.join(cache_dir, "prefix")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, key)
        if os.path.exists(path + ".npy"):
            Z = np.load(path + ".npy", mmap_mode="r")
            memo[key] = with_metadata(Z, _load_meta(path + ".meta.json"))
            return memo[key], time.perf_counter() - t0
        if os.path.exists(path + ".pkl"):
            with open(path + ".pkl", "rb") as f:
                memo[key] = pickle.load(f)
            return memo[key], time.perf_counter() - t0
    Z = _compute_prefix(prefix, clips, y, progress, f"{name}: shared features")
    if path is not None:
        if isinstance(Z, np.ndarray):

            def write(tmp):
                with open(tmp, "wb") as f:
                    np.save(f, np.asarray(Z))

            _save_meta(path + ".meta.json", Z)
            _atomic_write(path + ".npy", write)
        else:
            _atomic_pickle(path + ".pkl", Z)
    memo[key] = Z
    return Z, time.perf_counter() - t0


# -- memory ---------------------------------------------------------------------------------------
def _status_kb(field: str):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


class _PeakMemory:
    """Peak resident-memory increase (MB) of this process between ``start`` and ``stop``.

    On Linux, the kernel's high-water mark ``VmHWM`` is reset by writing ``5`` to
    ``/proc/self/clear_refs`` and read back after the fold: exact, and free (no sampling,
    no allocation tracing). Elsewhere, the rise of ``getrusage().ru_maxrss``, which only
    grows over the process's life: a lower bound, ``0`` when the fold stays under an earlier
    peak. NaN when neither is available. Child processes (e.g. loky workers) are not counted.
    """

    def start(self):
        self.mode = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.base = _status_kb("VmRSS")
            self.mode = "hwm"
            return self
        except (OSError, ValueError):
            pass
        try:
            import resource

            self.base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            self.mode = "maxrss"
        except (ImportError, OSError):  # pragma: no cover - Windows
            pass
        return self

    def stop(self) -> float:
        try:
            if self.mode == "hwm":
                return max(0, _status_kb("VmHWM") - self.base) / 1024
            if self.mode == "maxrss":  # pragma: no cover - non-Linux
                import resource

                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                unit = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KB on Linux
                return max(0, peak - self.base) * unit / 2**20
        except (OSError, ValueError):  # pragma: no cover
            pass
        return float("nan")


# -- one fold -----------------------------------------------------------------------------------
def _blas_limit(blas_threads):
    if blas_threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(blas_threads), user_api="blas")


def _run_fold(model, Z, y, tr, te, n_classes, blas_threads=None):
    """Fit a clone on rows ``tr`` of ``Z``, predict rows ``te``; scores and timings."""
    est = clone(model)
    X_train, X_test = _take(Z, tr), _take(Z, te)
    mem = _PeakMemory().start()
    with _blas_limit(blas_threads):
        t0 = time.perf_counter()
        est.fit(X_train, y[tr])
        t1 = time.perf_counter()
        pred = np.asarray(est.predict(X_test))
        raw = est.predict_proba(X_test) if hasattr(est, "predict_proba") else None
        t2 = time.perf_counter()
    peak = mem.stop()
    proba = None
    if raw is not None:
        raw = np.asarray(raw, dtype=float)
        classes = np.asarray(getattr(est, "classes_", np.arange(raw.shape[1])))
        proba = np.full((len(te), n_classes), np.nan)
        proba[:, classes.astype(np.intp)] = raw
    y_test = y[te]
    recall = recall_score(
        y_test, pred, labels=np.arange(n_classes), average=None, zero_division=np.nan
    )
    recall[~np.isin(np.arange(n_classes), y_test)] = np.nan
    return {
        "test": te,
        "pred": pred.astype(np.intp),
        "proba": proba,
        "recall": np.asarray(recall, dtype=float),
        "metrics": np.array(
            [
                accuracy_score(y_test, pred),
                f1_score(y_test, pred, average="macro"),
                t1 - t0,
                t2 - t1,
                peak,
            ]
        ),
    }


def _save_fold(path, rec):
    def write(tmp):
        with open(tmp, "wb") as f:
            arrays = {k: rec[k] for k in ("test", "pred", "recall", "metrics")}
            if rec["proba"] is not None:
                arrays["proba"] = rec["proba"]
            np.savez(f, **arrays)

    _atomic_write(path, write)


def _load_fold(path, te):
    try:
        with np.load(path) as f:
            rec = {k: f[k] for k in ("test", "pred", "recall", "metrics")}
            rec["proba"] = f["proba"] if "proba" in f.files else None
    except (OSError, ValueError, KeyError):  # unreadable (e.g. half-written): run it again
        return None
    return rec if np.array_equal(rec["test"], te) else None


# -- the runner ---------------------------------------------------------------------------------
def evaluate(
    pipelines,
    dataset,
    *,
    sr=None,
    duration=None,
    cv=None,
    cache_dir=None,
    resume=True,
    verbose=False,
    random_state=None,
    out_dir=None,
    blas_threads=1,
    n_jobs=None,
    progress=None,
):
    """Cross-validate several pipelines on one dataset, reading and transforming audio once.

    1. **Audio** is read once for all pipelines, at ``sr``, with a progress bar. Files that
       cannot be read are reported (a :class:`~specsk.exceptions.SpecskWarning` listing them,
       and ``result.load_report``) and left out without shifting rows: the folds are made on
       the full row index and then restricted to the loaded rows, so the official folds stay
       what they are.
    2. **Shared prefix.** For a :class:`~sklearn.pipeline.Pipeline`, the longest run of
       leading steps that learn nothing from the data (the ``requires_fit`` tag is ``False``,
       as for :class:`~specsk.audio.FixedLength` with a duration, spectrograms or dB scaling,
       or the step sets ``_learns_from_data = False``, as a frozen pretrained network does) is
       applied once to all loaded clips, in chunks of 64 clips, and kept in memory (and in
       ``cache_dir``); pipelines whose prefixes have the same classes and parameters share
       it. Only the remaining steps are cross-validated. This is the same as fitting the whole
       pipeline in each fold, **without leakage**: a step that learns nothing from the data
       gives every clip the same output whichever clips it is fitted on. Other estimators are
       cross-validated on the waveforms directly.
    3. **Folds.** In each fold a clone is fitted on the training rows and predicts (and gives
       ``predict_proba`` when it has it) on the test rows; accuracy, macro-F1, per-class
       recall, fit and predict wall time (``time.perf_counter``) and peak memory are recorded,
       and out-of-fold predictions are stored aligned with the dataset's rows.
    4. **Resume.** With ``cache_dir`` every finished fold is saved under a key made of the
       pipeline's name, a hash of its parameters, of the audio (paths, ``sr``, file sizes and
       modification times) and labels, and of the fold's indices; a re-run with the same
       ``cache_dir`` skips those folds.

    Parameters
    ----------
    pipelines : dict of str to estimator, or list of str
        ``{name: classifier or Pipeline}``, each taking a ragged list of 1-D float32
        waveforms at ``sr``; or recipe names, built with
        ``specsk.recipes.get_recipe(name, sr=sr, duration=duration)``.
    dataset : Bunch or tuple
        A Bunch from a :mod:`specsk.datasets` loader (fields ``paths``, ``target``, and when
        present ``target_names``, ``cv``, ``groups``, ``sr``, ``duration``), or in-memory
        waveforms ``(X, y)`` or ``(X, y, cv)`` with ``X`` a list of 1-D arrays or a 2-D array.
    sr : float or None, default=None
        Sample rate the files are read at; ``None`` is ``dataset.sr`` (for files with no such
        field, their common native rate). For in-memory waveforms, their rate (needed only by
        recipes).
    duration : float or None, default=None
        Clip length given to recipes; ``None`` is ``dataset.duration``.
    cv : None, int, splitter or iterable, default=None
        ``None``: the dataset's own ``cv`` (e.g. official folds), else 5 stratified folds. An
        int is a number of :class:`~sklearn.model_selection.StratifiedKFold` folds (shuffled
        with ``random_state`` when it is given). A splitter is called as
        ``cv.split(X, y)``; a group splitter (``GroupKFold``, ``LeaveOneGroupOut``, ...) gets
        ``groups=dataset.groups``.
    cache_dir : str, os.PathLike or None, default=None
        Folder for the loaded audio (``audio/``), the shared prefix outputs (``prefix/``,
        ``.npy`` read back memory-mapped) and finished folds (``folds/``). ``None`` caches in
        memory only, for this call.
    resume : bool, default=True
        Skip folds already saved in ``cache_dir``; ``False`` runs (and overwrites) them all.
    verbose : bool, default=False
        Show tqdm progress bars (loading, shared features, folds per pipeline) on stderr
        (the library is quiet by default; the command line shows them).
    random_state : int or None, default=None
        Seeds the default splitter and every ``random_state`` parameter left at ``None`` in
        the pipelines, for a reproducible run.
    out_dir : str, os.PathLike or None, default=None
        When given, :meth:`EvaluationResult.save` writes the results there.
    blas_threads : int or None, default=1
        BLAS threads while a fold's model is fitted and predicts (``threadpoolctl``). The
        per-fold models fit small matrices (hundreds to thousands of rows), where BLAS
        threads cost more than they give: on a busy 2-core machine a logistic regression on
        320 x 1,090 texture features took 15x longer with OpenBLAS's 2 threads than with one
        (200 s vs 13 s for the texture recipe's inner grid search). None leaves the setting
        alone. The data-independent prefix (spectrograms, CNN embeddings) is not limited.
    n_jobs : int or None, default=None
        Folds of one pipeline fitted at once, through :class:`joblib.Parallel`; ``None`` is
        1 unless a :func:`joblib.parallel_config` says otherwise (scikit-learn's convention),
        -1 all cores. Under ``joblib.parallel_config(backend="dask")`` the folds run on a
        ``dask.distributed`` cluster. Results do not depend on it (each fold is seeded the
        same way); peak memory is then measured in the process that ran the fold.
    progress : bool or None, default=None
        The former name of ``verbose``, kept as an alias: when given, it sets ``verbose``.

    Returns
    -------
    result : EvaluationResult
        Scores, timings and out-of-fold predictions; see its ``summary()``, ``compare()``
        and ``to_markdown()``.

    Notes
    -----
    Peak memory is the rise of this process's peak resident set size during a fold's fit and
    predict: on Linux the kernel's high-water mark (``VmHWM``), reset before each fold through
    ``/proc/self/clear_refs`` (exact, and costs nothing while the fold runs); elsewhere the
    rise of ``getrusage`` ``ru_maxrss``, a lower bound. Memory of child processes (joblib's
    loky workers) is not included. With splitters whose test sets overlap (``ShuffleSplit``)
    the out-of-fold arrays keep the last fold's prediction for a row.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from specsk.datasets import make_sounds
    >>> from specsk.evaluation import evaluate
    >>> from specsk.features import TemporalStats
    >>> from specsk.spectrogram import MelSpectrogram, PowerToDb
    >>> X, y = make_sounds(3, 8, sr=8000, duration=0.25, random_state=0)
    >>> mel = MelSpectrogram(sr=8000, n_fft=256, hop_length=64, n_mels=16)
    >>> pipes = {
    ...     "logreg": make_pipeline(mel, PowerToDb(), TemporalStats(), StandardScaler(),
    ...                             LogisticRegression()),
    ...     "logreg C=0.1": make_pipeline(mel, PowerToDb(), TemporalStats(), StandardScaler(),
    ...                                   LogisticRegression(C=0.1)),
    ... }
    >>> result = evaluate(pipes, (X, y), cv=4)
    >>> result.fold_scores["logreg"].shape
    (4,)
    >>> print(result.to_markdown())                       # doctest: +SKIP
    """
    t_start = time.perf_counter()
    data = _resolve_dataset(dataset)
    if sr is None:
        sr = data.sr
    if duration is None:
        duration = data.duration
    if sr is not None and (
        isinstance(sr, bool) or not isinstance(sr, numbers.Real) or not 0 < sr < np.inf
    ):
        raise ValueError(f"sr must be a positive number or None (the dataset's rate), got {sr!r}")
    if random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral)
    ):
        raise TypeError(
            f"random_state must be an int or None (a seed that can be hashed into the cache "
            f"keys), got {type(random_state).__name__}"
        )
    if progress is not None:
        verbose = progress
    progress = verbose
    for flag, value in (("resume", resume), ("verbose", verbose)):
        if not isinstance(value, bool | np.bool_):
            raise TypeError(f"{flag} must be True or False, got {value!r}")
    if blas_threads is not None and (
        isinstance(blas_threads, bool)
        or not isinstance(blas_threads, numbers.Integral)
        or blas_threads < 1
    ):
        raise ValueError(
            f"blas_threads must be a positive int (BLAS threads during each fold's fit and "
            f"predict) or None (leave the setting alone), got {blas_threads!r}"
        )
    splitter = _resolve_cv(cv, data.cv, random_state)
    estimators = _resolve_pipelines(pipelines, sr, duration)
    cache_dir = _check_cache_dir(cache_dir)

    # 1. audio, once
    t0 = time.perf_counter()
    report = None
    if data.paths is not None:
        audio_key = _audio_key(data.paths, sr)
        clips, report = _load(data.paths, sr, audio_key, cache_dir, progress)
        # the clips carry their rate, so steps left at sr=None (specsk's default) use it
        clips = with_metadata(clips, {"sr": report.sr})
        mask = np.asarray(report.ok, dtype=bool)
        if report.errors:
            warnings.warn(
                f"{report.n_failed} of {len(mask)} audio file(s) could not be loaded; their "
                f"rows are left out of every fold (result.load_report has the list):\n{report}",
                SpecskWarning,
                stacklevel=2,
            )
        if not mask.any():
            raise ValueError(f"no audio file could be loaded:\n{report}")
    else:
        clips = data.X
        audio_key = joblib.hash((clips, None if sr is None else float(sr)))
        if sr is not None and not get_metadata(clips):
            clips = with_metadata(clips, {"sr": sr})
        mask = np.ones(len(data), dtype=bool)
    load_s = time.perf_counter() - t0

    target, target_names = _encode_target(data.y, data.target_names)
    n_classes = len(target_names)
    # the dataset's splitter is used as cv.split(X, y); a group splitter passed as cv= gets
    # the dataset's groups (GroupedSplit holds its own)
    uses_groups = "Group" in type(splitter).__name__ and not hasattr(splitter, "groups")
    folds = _folds(splitter, target, data.groups if uses_groups else None, mask)
    pos = np.cumsum(mask) - 1  # full row -> position among loaded clips
    y_ok = target[mask]
    labels_key = joblib.hash(target)
    test_fold = np.full(len(mask), -1, dtype=np.intp)
    for k, (_, te) in enumerate(folds):
        test_fold[te] = k

    memo: dict = {}
    out = {
        key: {}
        for key in (
            "fold_scores",
            "f1_scores",
            "recall",
            "oof_pred",
            "oof_proba",
            "fit_time",
            "predict_time",
            "peak_memory",
        )
    }
    prefix_times, resumed = {}, {}
    for name, est in estimators.items():
        est = _seeded(clone(est), random_state)
        params = (type(est).__module__, type(est).__qualname__, est.get_params(deep=True))
        run_key = joblib.hash((name, params, audio_key, labels_key))
        fold_dir = None
        if cache_dir is not None:
            fold_dir = os.path.join(cache_dir, "folds", f"{_slug(name)}-{run_key[:16]}")
            os.makedirs(fold_dir, exist_ok=True)

        def fold_path(k, tr, te, fold_dir=fold_dir):
            return os.path.join(fold_dir, f"fold{k + 1}-{joblib.hash((tr, te))[:12]}.npz")

        records = [None] * len(folds)
        if fold_dir is not None and resume:
            for k, (tr, te) in enumerate(folds):
                path = fold_path(k, tr, te)
                if os.path.exists(path):
                    records[k] = _load_fold(path, te)
        resumed[name] = [k for k, r in enumerate(records) if r is not None]
        todo = [k for k, r in enumerate(records) if r is None]
        prefix_times[name] = 0.0
        if todo:
            prefix, model = _split_prefix(est)
            Z = clips
            if prefix:
                key = _prefix_key(prefix, audio_key)
                Z, prefix_times[name] = _prefix_output(
                    prefix, clips, y_ok, key, memo, cache_dir, progress, name
                )
            with _bar(
                progress, total=len(folds), initial=len(folds) - len(todo), desc=name, unit="fold"
            ) as bar:
                # Z holds the loaded rows only: index it by position among them
                jobs = (
                    joblib.delayed(_run_fold)(
                        model, Z, y_ok, pos[folds[k][0]], pos[folds[k][1]], n_classes,
                        blas_threads,
                    )
                    for k in todo
                )  # fmt: skip
                parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
                for k, rec in zip(todo, parallel(jobs), strict=True):
                    tr, te = folds[k]
                    rec["test"] = te
                    records[k] = rec
                    if fold_dir is not None:
                        _save_fold(fold_path(k, tr, te), records[k])
                    bar.update(1)
        pred = np.full(len(mask), -1, dtype=np.intp)
        has_proba = all(r["proba"] is not None for r in records)
        proba = np.full((len(mask), n_classes), np.nan) if has_proba else None
        for r in records:
            pred[r["test"]] = r["pred"]
            if has_proba:
                proba[r["test"]] = r["proba"]
        metrics = np.stack([r["metrics"] for r in records])
        out["fold_scores"][name] = metrics[:, 0]
        out["f1_scores"][name] = metrics[:, 1]
        out["fit_time"][name] = metrics[:, 2]
        out["predict_time"][name] = metrics[:, 3]
        out["peak_memory"][name] = metrics[:, 4]
        out["recall"][name] = np.stack([r["recall"] for r in records])
        out["oof_pred"][name] = pred
        out["oof_proba"][name] = proba

    result = EvaluationResult(
        names=list(estimators),
        **out,
        target=target,
        target_names=target_names,
        mask=mask,
        test_fold=test_fold,
        load_report=report,
        times={"load": load_s, "prefix": prefix_times, "total": time.perf_counter() - t_start},
        resumed=resumed,
    )
    if out_dir is not None:
        result.save(out_dir)
    return result
