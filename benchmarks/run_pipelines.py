"""Cross-validate specsk recipes on a sound dataset over its official folds.

Usage::

    python benchmarks/run_pipelines.py esc10 ../shared/data/ESC-50 --recipes a,b,c
        [--sr 22050] [--duration 5] [--cache-dir .cache/specsk-eval]
        [--out benchmarks/results/esc10] [--quick] [--cv 5] [--seed 0] [--no-resume]

DATASET is one of esc10, esc50, fsdd, urbansound8k, folder, loaded with the matching
``specsk.datasets.load_<name>(PATH)``. Audio is read once, every recipe is built with
``specsk.recipes.get_recipe(name, sr=..., duration=...)`` and cross-validated with
``specsk.evaluate``; finished folds are cached in ``--cache-dir``, so an interrupted run
resumes. Prints the Markdown tables and writes results.md, results.csv, results.json and
oof.npz to ``--out``. ``--quick`` keeps a few clips per class (default 8) for a smoke run.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

DATASETS = ("esc10", "esc50", "fsdd", "urbansound8k", "folder")


def load_dataset(name: str, path: str):
    """``specsk.datasets.load_<name>(path)``, with a clear error if the loader is missing."""
    import specsk.datasets as datasets

    loader = getattr(datasets, f"load_{name}", None)
    if loader is None:
        raise SystemExit(f"specsk.datasets has no load_{name}; this version cannot load {name!r}")
    bunch = loader(path)
    if not hasattr(bunch, "paths"):
        raise SystemExit(
            f"load_{name} returned {type(bunch).__name__}, not a Bunch with paths and target"
        )
    return bunch


def subset(bunch, per_class: int, seed: int = 0):
    """A Bunch with at most ``per_class`` clips per class, drawn at random across folds."""
    from sklearn.model_selection import PredefinedSplit
    from sklearn.utils import Bunch

    rng = np.random.default_rng(seed)
    target = np.asarray(bunch.target)
    keep = []
    for c in np.unique(target):
        rows = np.flatnonzero(target == c)
        keep.append(rng.choice(rows, size=min(per_class, rows.size), replace=False))
    idx = np.sort(np.concatenate(keep))
    out = Bunch(**bunch)
    for key in ("paths", "target", "groups", "folds"):
        if out.get(key) is not None:
            out[key] = np.asarray(out[key])[idx]
    if hasattr(out.get("frame"), "iloc"):
        out["frame"] = out["frame"].iloc[idx].reset_index(drop=True)
    cv = out.get("cv")
    if isinstance(cv, PredefinedSplit):
        out["cv"] = PredefinedSplit(cv.test_fold[idx])
    elif cv is not None and hasattr(cv, "groups") and hasattr(cv, "set_params"):
        from sklearn.base import clone

        out["cv"] = clone(cv).set_params(groups=np.asarray(cv.groups)[idx])
    return out


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=DATASETS, help="which loader reads PATH")
    parser.add_argument("path", help="the dataset's folder")
    parser.add_argument(
        "--recipes", required=True, help="comma-separated recipe names (specsk.recipes)"
    )
    parser.add_argument("--sr", type=float, default=None, help="sample rate (default: dataset's)")
    parser.add_argument(
        "--duration", type=float, default=None, help="clip seconds (default: dataset's)"
    )
    parser.add_argument(
        "--cv",
        type=int,
        default=None,
        help="k stratified folds instead of the dataset's official folds",
    )
    parser.add_argument(
        "--protocol",
        default="cv",
        help="the dataset's splitter attribute to use: 'cv' (the official protocol, default) "
        "or another one the loader provides, e.g. 'cv_speaker' (FSDD, leave one speaker out)",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run the hand-written librosa MFCC/log-mel + SVC baseline (first column)",
    )
    parser.add_argument("--cache-dir", default=".cache/specsk-eval")
    parser.add_argument("--out", default=None, help="default: benchmarks/results/DATASET")
    parser.add_argument("--quick", action="store_true", help="a few clips per class")
    parser.add_argument("--per-class", type=int, default=8, help="clips per class with --quick")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-resume", action="store_true", help="rerun finished folds")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import specsk

    recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
    if not recipes:
        raise SystemExit("--recipes needs at least one name")
    bunch = load_dataset(args.dataset, args.path)
    if args.quick:
        bunch = subset(bunch, args.per_class, args.seed)
    name = getattr(bunch, "name", None) or args.dataset
    out = args.out or f"benchmarks/results/{args.dataset}{'-quick' if args.quick else ''}"
    if args.protocol != "cv":
        splitter = bunch.get(args.protocol)
        if splitter is None or not hasattr(splitter, "split"):
            raise SystemExit(f"the {args.dataset} loader has no splitter {args.protocol!r}")
        bunch = type(bunch)(**{**bunch, "cv": splitter})
        name = f"{name}, {args.protocol}"
    pipelines = recipes
    if args.baseline:
        from _baselines import librosa_baseline

        from specsk.recipes import get_recipe

        sr = args.sr or bunch.sr
        duration = args.duration or bunch.duration
        pipelines = {"librosa_baseline": librosa_baseline(sr=sr, duration=duration)}
        pipelines.update({r: get_recipe(r, sr=sr, duration=duration) for r in recipes})
    result = specsk.evaluate(
        pipelines,
        bunch,
        sr=args.sr,
        duration=args.duration,
        cv=args.cv,
        cache_dir=args.cache_dir,
        resume=not args.no_resume,
        verbose=not args.no_progress,
        random_state=args.seed,
        out_dir=out,
    )
    print(f"## {name}{' (quick subset)' if args.quick else ''}\n")
    print(result.to_markdown())
    print(f"written to {out}/", file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
