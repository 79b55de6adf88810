"""Command-line interface: from a folder of recordings to a validated, saved model.

``specsk evaluate`` cross-validates recipes or pipeline specs, ``specsk train`` fits one on
all the data and saves it safely (skops), ``specsk predict`` labels new files, ``specsk
extract`` writes features to disk, ``specsk show`` draws spectrograms; ``specsk recipes``
and ``specsk plugins`` list what is available. Mistakes in the command line or the data give
one line on stderr and exit code 2; set ``SPECSK_DEBUG=1`` for the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import pathlib
import re
import sys
import time
import warnings

import numpy as np

__all__ = ["build_parser", "load_data", "main"]


def _demo_pipelines(sr: int):
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from .features import GLCMFeatures, LBPHistogram, TemporalStats
    from .filters import MedianFilter
    from .spectrogram import MFCC, MelSpectrogram, PowerToDb

    stft = {"n_fft": 512, "hop_length": 128}

    def classical():
        return make_pipeline(
            MFCC(sr=sr, n_mfcc=20, n_mels=40, **stft), TemporalStats(stats=("mean", "std"))
        )

    def image():
        return make_pipeline(
            MelSpectrogram(sr=sr, n_mels=48, **stft),
            PowerToDb(ref="max"),
            MedianFilter(size=(3, 3)),
            make_union(GLCMFeatures(levels=16), LBPHistogram(n_bands=4)),
        )

    return {
        "MFCC + temporal stats + SVM": make_pipeline(classical(), StandardScaler(), SVC(C=10)),
        "mel image + median filter + GLCM/LBP + SVM": make_pipeline(
            image(), StandardScaler(), SVC(C=10)
        ),
        "union of both feature sets + SVM": make_pipeline(
            make_union(classical(), image()), StandardScaler(), SVC(C=10)
        ),
    }


def demo(*, n_per_class: int = 30, n_splits: int = 5, random_state: int = 0, out=None) -> dict:
    """Cross-validate two specsk pipelines on synthetic sounds and print a result table.

    Returns
    -------
    results : dict
        pipeline name -> (mean accuracy, std, seconds).
    """
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold
    from tqdm.auto import tqdm

    from .datasets import make_sounds

    out = out or sys.stdout
    sr = 16000
    X, y, names = make_sounds(
        n_classes=8,
        n_per_class=n_per_class,
        sr=sr,
        duration=1.0,
        noise=1.0,
        random_state=random_state,
        return_names=True,
    )
    print(
        f"specsk demo: {len(X)} synthetic clips of {len(names)} classes ({', '.join(names)}), "
        f"{sr} Hz, 1 s each, noise at the signal's RMS; {n_splits}-fold stratified "
        "cross-validation",
        file=out,
    )
    pipelines = _demo_pipelines(sr)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(X, y))
    results = {}
    with tqdm(total=len(pipelines) * len(folds), desc="fitting", file=sys.stderr) as bar:
        for name, pipe in pipelines.items():
            scores, t0 = [], time.perf_counter()
            for train, test in folds:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = clone(pipe).fit(X[train], y[train])
                    scores.append(model.score(X[test], y[test]))
                bar.update()
            results[name] = (
                float(np.mean(scores)),
                float(np.std(scores)),
                time.perf_counter() - t0,
            )
    width = max(map(len, results))
    print(f"\n{'pipeline':<{width}}  accuracy         time", file=out)
    print(f"{'-' * width}  ---------------  ------", file=out)
    for name, (mean, std, secs) in results.items():
        print(f"{name:<{width}}  {100 * mean:5.1f} % +- {100 * std:4.1f}  {secs:5.1f} s", file=out)
    return results


class UsageError(Exception):
    """A mistake in the command line or the data: one line on stderr, exit code 2."""


_LAYOUTS = ("esc10", "esc50", "fsdd", "urbansound8k")
_AUDIO_EXT = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
_TRANSFORMS = ("mel", "stft", "cqt", "gammatone", "bark", "cwt")


# -- data -----------------------------------------------------------------------------------------
def load_data(spec: str, args=None):
    """The dataset ``spec`` names: ``esc10:PATH`` (and the other named layouts, with their
    official folds), a manifest ``.csv`` or a folder with one sub-folder per class."""
    from . import datasets

    opt = (
        (lambda name, default=None: getattr(args, name, default))
        if args
        else (lambda name, default=None: default)
    )
    layout, sep, rest = spec.partition(":")
    if sep and layout.lower() in _LAYOUTS and not os.path.exists(spec):
        loader = getattr(datasets, f"load_{layout.lower()}")
        return loader(rest)
    path = pathlib.Path(spec)
    if not path.exists():
        raise UsageError(
            f"DATA {spec!r} does not exist; give a folder with one sub-folder per class, a "
            f"manifest .csv or a named layout ({', '.join(f'{n}:PATH' for n in _LAYOUTS)})"
        )
    if path.is_file():
        if path.suffix.lower() != ".csv":
            raise UsageError(f"DATA {spec!r} is a file but not a .csv manifest")
        return datasets.load_manifest(
            path,
            path_col=opt("path_col", "path") or "path",
            label_col=opt("label_col", "label") or "label",
            fold_col=opt("fold_col"),
            group_col=opt("group_col"),
        )
    return datasets.load_folder(path, group_pattern=opt("group_pattern"))


def _files(items) -> list[str]:
    """Audio files named by ``items`` (files, or folders searched recursively), sorted."""
    out = []
    for item in items:
        p = pathlib.Path(item)
        if p.is_dir():
            found = sorted(
                str(f)
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in _AUDIO_EXT
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise UsageError(f"no audio files ({', '.join(_AUDIO_EXT)}) under {item!r}")
            out += found
        elif p.exists():
            out.append(str(p))
        else:
            raise UsageError(f"{item!r} does not exist")
    return out


# -- models ---------------------------------------------------------------------------------------
def _models(args, data) -> tuple[dict, float | None, float | None]:
    """``{name: estimator}`` from ``--recipe``/``--pipeline``, with the sample rate and clip
    length the audio is read at and cut to."""
    from .recipes import get_recipe, list_recipes
    from .spec import load_spec

    sr = args.sr or getattr(data, "sr", None)
    duration = args.duration or getattr(data, "duration", None)
    models = {}
    specs = [load_spec(p) for p in (args.pipeline or [])]
    rates = sorted({spec.sr for spec in specs if spec.sr is not None})
    if args.sr is None and rates:
        # evaluate reads the audio once, at one rate, for every model
        if len(rates) > 1:
            listed = ", ".join(f"{r:g}" for r in rates)
            raise UsageError(
                f"the pipeline specs give different sample rates ({listed} Hz); pass --sr"
            )
        sr = rates[0]
    names = []
    for item in args.recipe or []:
        names += [n.strip() for n in item.split(",") if n.strip()]
    if "all" in names:
        names = list(list_recipes())
    for name in names:
        if name not in list_recipes():
            raise UsageError(
                f"unknown recipe {name!r}; the recipes are {', '.join(list_recipes())} (or all)"
            )
        if sr is None or duration is None:
            raise UsageError(
                f"recipe {name} needs the sample rate and clip length: pass --sr and --duration"
            )
        models[name] = get_recipe(name, sr=sr, duration=duration)
    for spec in specs:
        name = spec.name if spec.name not in models else f"{spec.name}-{len(models)}"
        models[name] = spec.pipeline
    if not models:
        raise UsageError("give --recipe NAME[,NAME...] or --pipeline SPEC")
    return models, (None if sr is None else float(sr)), duration


def _cv(args, data):
    if args.cv in (None, "official"):
        if args.cv == "official" and getattr(data, "cv", None) is None:
            raise UsageError("this data has no official folds; use --cv K")
        return None
    try:
        k = int(args.cv)
    except ValueError:
        raise UsageError(f"--cv must be 'official' or a number of folds, got {args.cv!r}") from None
    if k < 2:
        raise UsageError(f"--cv needs at least 2 folds, got {k}")
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if getattr(data, "groups", None) is not None:
        return StratifiedGroupKFold(k, shuffle=True, random_state=args.seed)
    return StratifiedKFold(k, shuffle=True, random_state=args.seed)


def _load_clips(paths, sr, *, progress):
    """Read ``paths`` at ``sr`` (tagged with it), skipping unreadable files."""
    from .audio._io import load_audio
    from .utils import SignalList

    clips, report = load_audio(paths, sr=sr, on_error="skip", verbose=progress)
    return SignalList(clips, sr=report.sr), np.asarray(report.ok, dtype=bool), report.errors


# -- commands -------------------------------------------------------------------------------------
def cmd_evaluate(args) -> int:
    from .evaluation import evaluate

    data = load_data(args.data, args)
    models, sr, duration = _models(args, data)
    out = pathlib.Path(args.out)
    with warnings.catch_warnings(), _backend(args.dask):
        if args.quiet:
            warnings.simplefilter("ignore")
        result = evaluate(
            models,
            data,
            sr=sr,
            duration=duration,
            cv=_cv(args, data),
            cache_dir=args.cache_dir,
            verbose=not args.quiet,
            random_state=args.seed,
            n_jobs=args.n_jobs,
        )
    paths = result.save(out)
    for name in result.names:
        png = out / f"confusion_{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        _confusion_png(result, name, png)
        paths[f"confusion {name}"] = str(png)
    print(result.to_markdown())
    print("\nwrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
    return 0


@contextlib.contextmanager
def _backend(address):
    """Run joblib work on the dask.distributed scheduler at ``address`` (or nowhere else)."""
    if not address:
        yield
        return
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--dask needs dask.distributed: pip install 'specsk[dask]'") from None
    import joblib

    with Client(address) as client, joblib.parallel_config(backend="dask"):
        n = len(client.scheduler_info()["workers"])
        print(f"specsk: running on the dask scheduler {address} ({n} workers)", file=sys.stderr)
        yield


def _confusion_png(result, name, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    keep = result.oof_pred[name] >= 0
    labels = list(range(len(result.target_names)))
    size = max(5.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay.from_predictions(
        result.target[keep],
        result.oof_pred[name][keep],
        labels=labels,
        display_labels=result.target_names,
        ax=ax,
        colorbar=False,
        xticks_rotation="vertical",
    )
    acc = result.fold_scores[name]
    ax.set_title(f"{name}: {100 * acc.mean():.1f} % +- {100 * acc.std():.1f} (out of fold)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def cmd_train(args) -> int:
    from .io import save_model

    data = load_data(args.data, args)
    models, sr, duration = _models(args, data)
    if len(models) != 1:
        raise UsageError("train takes one --recipe or one --pipeline")
    ((name, model),) = models.items()
    clips, ok, errors = _load_clips(list(data.paths), sr, progress=not args.quiet)
    _report_errors(errors)
    names = (
        np.asarray(data.target_names)[np.asarray(data.target)[ok]]
        if getattr(data, "target_names", None) is not None
        else np.asarray(data.target)[ok]
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        if args.quiet:
            warnings.simplefilter("ignore")
        model.fit(clips, names)
    path = save_model(
        model,
        args.output,
        metadata={
            "sr": clips.sr,
            "duration": duration,
            "classes": [str(c) for c in getattr(model, "classes_", np.unique(names))],
            "model": name,
            "trained_on": args.data,
            "n_clips": len(clips),
        },
    )
    print(
        f"trained {name} on {len(clips)} clips ({len(errors)} unreadable) in "
        f"{time.perf_counter() - t0:.1f} s; saved to {path}",
        file=sys.stderr,
    )
    return 0


def _shown(path) -> str:
    """``path`` for a message: a name that is not valid UTF-8 shows its bytes as ``\\xff``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _report_errors(errors) -> None:
    for _, path, reason in errors:
        print(f"specsk: skipped {_shown(path)}: {reason}", file=sys.stderr)


@contextlib.contextmanager
def _atomic_output(path, mode="w", **kwargs):
    """Write ``path`` through a temporary file beside it, renamed over ``path`` when the block
    ends without an error (and removed otherwise): nobody ever sees half a file."""
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _csv_output(path):
    """A CSV file written atomically; file names that are not valid UTF-8 keep their bytes."""
    return _atomic_output(path, "w", newline="", encoding="utf-8", errors="surrogateescape")


def _print_csv(rows) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    text = buf.getvalue()
    try:
        sys.stdout.write(text)  # encoded as a whole first: nothing is written if it fails
    except UnicodeEncodeError:  # a file name that is not valid UTF-8: write its own bytes
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "surrogateescape"))
        sys.stdout.buffer.flush()


def _predict_rows(model, X):
    """``(labels, proba or None, {row: reason})`` for the rows of ``X``.

    One call for the whole batch; if it fails, row by row, so that one clip the model cannot
    take costs only its own row. When every row fails, the batch's error is raised.
    """
    has_proba = hasattr(model, "predict_proba")
    if not len(X):
        return [], None, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            labels = list(model.predict(X))
            return labels, (model.predict_proba(X) if has_proba else None), {}
        except Exception as exc:  # look for the rows at fault
            batch_error = exc
        labels, errors = [None] * len(X), {}
        proba = [None] * len(X) if has_proba else None
        for i in range(len(X)):
            try:
                labels[i] = model.predict(X[i : i + 1])[0]
                if has_proba:
                    proba[i] = model.predict_proba(X[i : i + 1])[0]
            except Exception as exc:  # one bad clip loses only its row
                errors[i] = f"{type(exc).__name__}: {exc}"
    if len(errors) == len(X):
        raise batch_error
    return labels, proba, errors


def cmd_predict(args) -> int:
    from .io import load_model, model_info

    info = model_info(args.model)
    model = load_model(args.model, trusted=args.trust or None)
    sr, _duration = info.get("sr"), info.get("duration")
    files = _files(args.files)
    clips, ok, errors = _load_clips(files, sr, progress=not args.quiet)
    _report_errors(errors)
    rows_in, meta = [], []
    good = [f for f, k in zip(files, ok, strict=True) if k]
    for path, clip in zip(good, clips, strict=True):
        if args.window:
            n = max(1, round(args.window * clips.sr))
            starts = range(0, max(len(clip) - n, 0) + 1, n) if len(clip) >= n else [0]
            for s0 in starts:
                rows_in.append(clip[s0 : s0 + n])
                meta.append((path, s0 / clips.sr, min(s0 + n, len(clip)) / clips.sr))
        else:
            rows_in.append(clip)
            meta.append((path, None, None))
    from .utils import SignalList

    X = SignalList(rows_in, sr=clips.sr)
    classes = [str(c) for c in getattr(model, "classes_", info.get("classes", []))]
    labels, proba, row_errors = _predict_rows(model, X)
    header = ["path"] + (["start_s", "end_s"] if args.window else []) + ["label"]
    header += [f"p_{c}" for c in classes] if proba is not None else []
    header += ["error"]
    rows = []
    n_prob = len(header) - len(["path", "label", "error"]) - (2 if args.window else 0)
    for i, (path, t0, t1) in enumerate(meta):
        row = [path] + ([f"{t0:.3f}", f"{t1:.3f}"] if args.window else [])
        if i in row_errors:  # the model could not take this clip: reported, not guessed
            print(f"specsk: failed {_shown(path)}: {row_errors[i]}", file=sys.stderr)
            rows.append([*row, "", *[""] * n_prob, row_errors[i]])
            continue
        row += [str(labels[i])]
        if proba is not None:
            row += [f"{p:.6f}" for p in proba[i]]
        rows.append([*row, ""])
    blank = [""] * (len(header) - 2)
    rows += [[p, *blank, reason] for _, p, reason in errors]
    if args.output:  # written whole or not at all
        with _csv_output(args.output) as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        print(
            f"predicted {len(meta) - len(row_errors)} row(s) from {len(good)} file(s), "
            f"{len(errors)} unreadable"
            + (f", {len(row_errors)} row(s) failed" if row_errors else "")
            + f"; wrote {args.output}",
            file=sys.stderr,
        )
    else:
        _print_csv([header, *rows])
    return 0


def cmd_extract(args) -> int:
    from sklearn.pipeline import make_pipeline

    from .audio import AudioLoader
    from .spec import load_spec
    from .utils import extract_to_disk

    data = load_data(args.data, args)
    spec = load_spec(args.pipeline)
    sr = args.sr or spec.sr or getattr(data, "sr", None)
    # unreadable files are left out by the loader and mapped back by extract_to_disk (its
    # load_report_ says which), so they never cost the other files of their chunk
    loader = AudioLoader(sr=sr, on_error="skip")
    pipe = make_pipeline(loader, *(s for _, s in spec.pipeline.steps))
    if hasattr(pipe[-1], "predict"):
        raise UsageError("extract needs a spec of transformers only (no final classifier)")
    paths = np.asarray(list(data.paths), dtype=object)
    if args.n_jobs is not None:
        pipe.set_params(audioloader__n_jobs=args.n_jobs)
    # the spec's steps learn nothing from the data: fit on the first few files that load
    for start in range(0, len(paths), 8):
        loader.__dict__.pop("load_report_", None)
        try:
            pipe.fit(paths[start : start + 8])
            break
        except Exception:
            report = getattr(loader, "load_report_", None)
            if report is None or report.n_loaded:
                raise  # files were read, so the spec is at fault
            if start + 8 >= len(paths):
                _, path, reason = report.errors[0]
                raise UsageError(
                    f"none of the {len(paths)} file(s) could be read (e.g. {_shown(path)}: "
                    f"{reason})"
                ) from None
    # a file that fails is left out or retried alone, and gets a NaN row, ok = False and
    # its reason; the output appears only when complete
    try:
        res = extract_to_disk(
            pipe,
            paths,
            args.output,
            batch_size=args.chunk_size,
            on_error="nan",
            verbose=not args.quiet,
        )
    except RuntimeError as exc:
        if not hasattr(exc, "errors"):
            raise
        for i, reason in exc.errors.items():
            print(f"specsk: failed {_shown(paths[i])}: {reason}", file=sys.stderr)
        raise UsageError(f"none of the {len(paths)} file(s) could be processed") from None
    out = pathlib.Path(args.output)
    mask_path = out.with_name(out.stem + ".mask.npy")
    with _atomic_output(mask_path, "wb") as f:
        np.save(f, np.asarray(res.ok, dtype=bool))
    err_path = out.with_name(out.stem + ".errors.csv")
    with _csv_output(err_path) as f:
        w = csv.writer(f)
        w.writerow(["index", "path", "reason"])
        for i, reason in sorted(res.errors.items()):
            w.writerow([i, paths[i], reason])
            print(f"specsk: failed {_shown(paths[i])}: {reason}", file=sys.stderr)
    print(
        f"wrote {out} ({int(np.count_nonzero(res.ok))} of {len(paths)} rows ok), the row mask "
        f"{mask_path.name} and the error report {err_path.name}",
        file=sys.stderr,
    )
    return 0


def cmd_show(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_spectrogram
    from .utils import with_metadata

    if len(args.items) == 1 and (
        args.items[0].partition(":")[0].lower() in _LAYOUTS
        or pathlib.Path(args.items[0]).suffix.lower() == ".csv"
        or _is_class_folder(args.items[0])
    ):
        data = load_data(args.items[0], args)
        target_names = getattr(data, "target_names", None)
        names = list(np.unique(data.target) if target_names is None else target_names)
        target = np.asarray(data.target)
        paths, titles = [], []
        for k, cls in enumerate(names):
            idx = np.flatnonzero(target == (cls if target_names is None else k))
            for i in idx[: args.n_per_class]:
                paths.append(data.paths[i])
                titles.append(f"{cls}: {pathlib.Path(data.paths[i]).name}")
        ncols = args.n_per_class
    else:
        paths = _files(args.items)[: args.max_files]
        titles = [pathlib.Path(p).name for p in paths]
        ncols = min(4, len(paths))
    clips, ok, errors = _load_clips(paths, args.sr, progress=False)
    _report_errors(errors)
    titles = [t for t, k in zip(titles, ok, strict=True) if k]
    step = _image_step(args.transform, clips.sr)
    filt = None
    if args.filter:
        from .spec import _build_step

        filt = _build_step(args.filter, where="--filter")
    n = len(clips)
    if n == 0:
        raise UsageError("no readable audio to show")
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows), squeeze=False)
    from .spectrogram import PowerToDb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ax, clip, title in zip(axes.flat, clips, titles, strict=False):
            one = with_metadata(np.asarray(clip, dtype=np.float32)[None], {"sr": clips.sr})
            S = PowerToDb(ref="max").fit_transform(step.fit_transform(one))
            if filt is not None:
                S = filt.fit_transform(S)
            plot_spectrogram(S[0], ax=ax, title=title)
            ax.title.set_fontsize(8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)
    plt.close(fig)
    print(f"wrote {args.output} ({n} spectrograms)", file=sys.stderr)
    return 0


def _is_class_folder(item) -> bool:
    p = pathlib.Path(item)
    return p.is_dir() and any(c.is_dir() and not c.name.startswith(".") for c in p.iterdir())


def _image_step(name, sr):
    """The time-frequency step ``show --transform`` names, set for any sample rate."""
    from . import spectrogram as sg

    if name == "cqt":
        # as many semitone bins from C1 as fit below 90 % of the Nyquist frequency
        n_bins = int(12 * np.log2(0.45 * sr / 32.7))
        return sg.CQTSpectrogram(fmin=32.7, n_bins=max(12, n_bins))
    steps = {
        "mel": sg.MelSpectrogram,
        "stft": lambda: sg.STFTSpectrogram(output="power"),
        "gammatone": sg.GammatoneSpectrogram,
        "bark": sg.BarkSpectrogram,
        "cwt": lambda: sg.CWTScalogram(hop_length=256),
    }
    return steps[name]()


def cmd_recipes(args) -> int:
    from .recipes import list_recipes

    for name, desc in list_recipes().items():
        print(f"{name:<18} {desc}")
    return 0


def list_estimators(kind=None, out=None) -> None:
    """Print every registered estimator (built-in and plugin) with its family, input and
    output kinds and the package it comes from."""
    from .base import get_specsk_tags
    from .registry import all_estimators

    out = out or sys.stdout
    rows = [(n, c, get_specsk_tags(c)) for n, c in all_estimators(kind=kind)]
    print(f"{'estimator':<28} {'family':<14} {'input':>12}    {'output':<12} package", file=out)
    for name, cls, t in rows:
        package = cls.__module__.split(".")[0]
        print(
            f"{name:<28} {t['kind']:<14} {t['input']:>12} -> {t['output']:<12} {package}",
            file=out,
        )


def _kinds() -> list[str]:
    from .base import get_specsk_tags
    from .registry import all_estimators

    return sorted({get_specsk_tags(c)["kind"] for _, c in all_estimators()})


def _add_data_options(p) -> None:
    g = p.add_argument_group("DATA layout (folder or manifest)")
    g.add_argument(
        "--group-pattern",
        metavar="REGEX",
        help="folder DATA: groups (e.g. speakers) from file names; the named group "
        "'group' or the first group of the regular expression",
    )
    g.add_argument("--path-col", default="path", help="manifest DATA: column with file paths")
    g.add_argument("--label-col", default="label", help="manifest DATA: column with labels")
    g.add_argument("--fold-col", help="manifest DATA: column with predefined folds")
    g.add_argument("--group-col", help="manifest DATA: column with groups")


def _add_model_options(p, *, several: bool) -> None:
    g = p.add_argument_group("model")
    g.add_argument(
        "--recipe",
        action="append",
        metavar="NAME[,NAME...]" if several else "NAME",
        help="a recipe (`specsk recipes` lists them)" + (", several, or all" if several else ""),
    )
    g.add_argument(
        "--pipeline",
        action="append",
        metavar="SPEC",
        help="a pipeline spec file (.yaml/.json; see docs/pipeline_spec.md)",
    )
    g.add_argument(
        "--sr",
        type=float,
        help="sample rate to read the audio at (Hz); default: the data's or the spec's",
    )
    g.add_argument(
        "--duration",
        type=float,
        help="clip length in seconds given to recipes; default: the data's",
    )


DATA_HELP = (
    "a folder with one sub-folder per class, a manifest .csv, or a named layout with its "
    "official folds: " + ", ".join(f"{n}:PATH" for n in _LAYOUTS)
)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="specsk",
        description="Classify sounds by treating their spectrograms as images.",
        epilog="Example: specsk evaluate recordings/ --recipe texture_svm --out report/",
    )
    parser.add_argument("--version", action="version", version=f"specsk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help_, description, *, data=True, quiet=True):
        """A sub-command with its help; with ``data`` the DATA argument and its layout
        options; with ``quiet`` the -q flag."""
        p = sub.add_parser(name, help=help_, description=description)
        if data:
            p.add_argument("data", metavar="DATA", help=DATA_HELP)
            _add_data_options(p)
        if quiet:
            p.add_argument(
                "-q", "--quiet", action="store_true", help="no progress bars or warnings"
            )
        p.set_defaults(func=func)
        return p

    p = command(
        "evaluate",
        cmd_evaluate,
        "cross-validated report of recipes or pipelines",
        "Cross-validate recipes or pipeline specs on DATA; writes results.md/.csv/.json, "
        "oof.npz and a confusion-matrix PNG per model.",
    )
    _add_model_options(p, several=True)
    p.add_argument(
        "--cv",
        default=None,
        metavar="official|K",
        help="'official': the "
        "layout's own folds (default when it has them); K: stratified K-fold, "
        "grouped when the data has groups",
    )
    p.add_argument("--out", default="specsk-report", metavar="DIR", help="output folder")
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache audio, features and finished folds here; an interrupted run resumes",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--n-jobs", type=int, default=None, help="folds fitted at once (-1: all cores)")
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the folds on the dask.distributed "
        "scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786); combine with --n-jobs -1",
    )

    p = command(
        "train",
        cmd_train,
        "fit a recipe or pipeline on all of DATA and save it",
        "Fit on all of DATA and save the model in the skops format (loading it runs no pickle).",
    )
    _add_model_options(p, several=False)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="MODEL",
        help="the model file to write (e.g. model.skops)",
    )
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)

    p = command(
        "predict",
        cmd_predict,
        "label new recordings with a saved model",
        "Label files (or every audio file under folders), read at the model's sample rate; "
        "unreadable files are listed with their reason and the rest are predicted.",
        data=False,
    )
    p.add_argument("model", metavar="MODEL", help="a model saved by `specsk train`")
    p.add_argument("files", nargs="+", metavar="FILES_OR_FOLDER", help="audio files or folders")
    p.add_argument(
        "-o", "--output", metavar="CSV", help="write the predictions here (default: stdout)"
    )
    p.add_argument(
        "--window",
        type=float,
        metavar="SECONDS",
        help="cut long recordings into "
        "windows of this length; one row per window with its start and end",
    )
    p.add_argument(
        "--trust",
        action="append",
        metavar="TYPE",
        help="accept this type in the "
        "model file although it is not trusted by default (repeatable)",
    )

    p = command(
        "extract",
        cmd_extract,
        "write features of DATA to a .npy file (resumable)",
        "Apply a transformer-only pipeline spec to every file of DATA, batch by batch, into "
        "a .npy file with a progress file (an interrupted run resumes), an error report and "
        "a row mask of good files.",
    )
    p.add_argument(
        "--pipeline",
        required=True,
        metavar="SPEC",
        help="pipeline spec of transformers (no classifier)",
    )
    p.add_argument("-o", "--output", required=True, metavar="NPY", help="the .npy file")
    p.add_argument("--sr", type=float, help="sample rate to read the audio at (Hz)")
    p.add_argument("--n-jobs", type=int, help="threads for reading files")
    p.add_argument("--chunk-size", type=int, default=256, help="files per batch (default 256)")

    p = command(
        "show",
        cmd_show,
        "spectrogram gallery of files or of DATA by class",
        "Draw spectrograms (dB, axes in Hz and seconds) of files or folders, or of a dataset "
        "by class, into an image file.",
        data=False,
        quiet=False,
    )
    p.add_argument("items", nargs="+", metavar="FILES_OR_DATA")
    _add_data_options(p)
    p.add_argument(
        "--transform",
        choices=_TRANSFORMS,
        default="mel",
        help="time-frequency representation (default mel)",
    )
    p.add_argument(
        "--filter",
        metavar="NAME",
        help="an image filter applied after dB scaling, e.g. MedianFilter",
    )
    p.add_argument("--sr", type=float, default=None, help="read the audio at this rate")
    p.add_argument("--n-per-class", type=int, default=3, help="clips per class for DATA")
    p.add_argument("--max-files", type=int, default=16, help="at most this many files")
    p.add_argument("-o", "--output", default="gallery.png", metavar="PNG", help="image file")

    p = sub.add_parser("recipes", help="list the recipes")
    p.set_defaults(func=cmd_recipes)

    kinds = _kinds()
    for name, help_ in (
        ("plugins", "list every estimator: family, input/output kind, package"),
        ("list", "the same as plugins (the old name)"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--kind", choices=kinds, help=f"only this family: {', '.join(kinds)}")
        p.set_defaults(func=lambda a: list_estimators(kind=a.kind) or 0)

    p = sub.add_parser("demo", help="cross-validate pipelines on synthetic sounds")
    p.add_argument("--n-per-class", type=int, default=30, help="clips per class")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.set_defaults(
        func=lambda a: demo(n_per_class=a.n_per_class, n_splits=a.folds, random_state=a.seed) and 0
    )
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code (2 for a user mistake)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, TypeError, OSError, ImportError) as exc:
        if os.environ.get("SPECSK_DEBUG"):
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"specsk {args.command}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
