"""How the defaults of the torch-free recipes (``specsk.recipes._classical``) were chosen.

Runs on ESC-10's official 5 folds, from a cache of the audio at 22.05 kHz cropped/padded to
5 s (``--cache``, an ``.npz`` with ``X``, ``y``, ``folds``; built from
``specsk.datasets.load_esc10`` when missing):

1. the hand-written librosa baseline a user writes (per clip: 20 MFCCs + deltas mean/std, ZCR
   mean/std, 128 log-mel mean/std -> StandardScaler -> SVC(C=10)), for reference;
2. an ablation of the feature families of ``texture_svm`` (each family alone, the union, the
   union minus one family). Every cell is an outer 5-fold score whose SVC ``C`` was chosen by
   an inner 5-fold CV on the four training folds only, exactly as the recipe does. The
   feature families are stateless (fixed dB range for the GLCM quantisation), so they are
   computed once for all clips; no fitted state crosses folds. This is an ablation to report
   what each family adds, not a selection on the test folds: the recipe's default union was
   fixed before from the general design (global + per-band textures, band statistics), and a
   family would only have been dropped if the ablation showed it useless everywhere;
3. the two recipes end to end (``fit`` on four folds, ``score`` on the fifth), with run time;
4. (``select``) how the ``windows`` block (:class:`WindowPooling`, per-band max/std of ~1 s
   window means) was chosen: for each outer fold, candidate additions to the previous union
   are scored by inner leave-one-fold-out on the four training folds only (a logistic
   regression whose ``C`` an inner 5-fold CV picks); the outer score is printed for the
   record, never used to choose. Figures of that run (outer %, inner mean %):

   ===================================================  =====  =====================
   previous union (bands, glcm, glcm_bands, lbp, gabor)  88.1   89.25 +- 1.27
   + windows (1 s means, max/std over windows)           88.8   90.00 +- 1.12
   + percentiles 10/50/90 per band                       88.1   89.00 +- 0.94
   + spectral contrast (8 sub-bands, mean/std/valley)    88.5   89.75 +- 1.46
   + spectral flux (mean/std/max/p90)                    88.1   89.50 +- 1.27
   + all four                                            88.5   90.25 +- 0.94
   ===================================================  =====  =====================

   The inner CV picked ``+ windows`` in 4 of 5 outer folds (``+ contrast`` in the other),
   nested score of the selection 89.75 +- 1.46. On the new union, the classifier was left
   as it was: the inner CV did not prefer one of the current classifier (90.00 outer, inner
   88.6), LR with C up to 10 (90.00, 88.8) or soft voting of LR and calibrated SVC (90.25,
   88.9): per-fold winners vote/LR/vote/current/current. Real runner with the new union:
   90.25 +- 1.63 (ddof=1; folds 92.5 88.8 88.8 90.0 91.2; 90.50 +- 1.43 on an earlier tree
   of the other modules); FSDD unchanged at 99.67.

Usage::

    python benchmarks/esc10_classical_explore.py [--cache /tmp/exp/esc10_22050.npz] \
        [--skip librosa ablation recipes select]
"""

from __future__ import annotations

import argparse
import os
import time
from itertools import chain

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from specsk.recipes._classical import WindowPooling, _texture_union, mfcc_svm, texture_svm

SR = 22050
DURATION = 5.0
ESC10 = "/work/shared/data/esc10"


def load(cache):
    if os.path.exists(cache):
        d = np.load(cache)
        return d["X"], d["y"], d["folds"]
    from specsk.audio import to_fixed_length
    from specsk.audio._io import load_audio
    from specsk.datasets import load_esc10

    b = load_esc10(ESC10)
    clips = load_audio(list(b.paths), sr=SR)
    clips = clips[0] if isinstance(clips, tuple) else clips
    X = to_fixed_length(clips, length=int(SR * DURATION), mode="pad_or_crop")
    folds = b.cv.test_fold + 1
    np.savez(cache, X=X, y=b.target, folds=folds)
    return X, np.asarray(b.target), folds


def nested_score(F, y, folds, grid=None, seed=0):
    """Outer official folds; C chosen by inner stratified 5-fold CV on the training folds."""
    grid = grid or {"svc__C": [1.0, 10.0, 100.0]}
    accs, chosen = [], []
    for k in np.unique(folds):
        tr, te = folds != k, folds == k
        inner = StratifiedKFold(5, shuffle=True, random_state=seed)
        gs = GridSearchCV(make_pipeline(StandardScaler(), SVC()), grid, cv=inner)
        gs.fit(F[tr], y[tr])
        accs.append(gs.score(F[te], y[te]))
        chosen.append(gs.best_params_)
    return np.array(accs) * 100, chosen


def fmt(accs):
    return f"{accs.mean():.1f} +- {accs.std():.1f}  (" + " ".join(f"{a:.1f}" for a in accs) + ")"


def librosa_baseline(X, y, folds):
    import librosa
    from joblib import Parallel, delayed

    def feats(x):
        m = librosa.feature.mfcc(y=x, sr=SR, n_mfcc=20)
        d = librosa.feature.delta(m)
        z = librosa.feature.zero_crossing_rate(x)
        lm = librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=SR, n_mels=128))
        rows = [m, d, z, lm]
        return np.concatenate([np.r_[r.mean(1), r.std(1)] for r in rows])

    t = time.perf_counter()
    F = np.stack(Parallel(n_jobs=2)(delayed(feats)(x) for x in X))
    accs = []
    for k in np.unique(folds):
        tr, te = folds != k, folds == k
        clf = make_pipeline(StandardScaler(), SVC(C=10)).fit(F[tr], y[tr])
        accs.append(clf.score(F[te], y[te]) * 100)
    return np.array(accs), time.perf_counter() - t


def recipe_run(builder, X, y, folds):
    t = time.perf_counter()
    accs = []
    for k in np.unique(folds):
        tr, te = folds != k, folds == k
        pipe = builder(sr=SR, duration=DURATION, n_jobs=1, random_state=0).fit(X[tr], y[tr])
        accs.append(pipe.score(X[te], y[te]) * 100)
    return np.array(accs), time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/exp/esc10_22050.npz")
    ap.add_argument(
        "--skip", nargs="*", default=[], help="parts to skip: librosa ablation recipes select"
    )
    ap.add_argument("--blocks", nargs="*", default=None)
    args = ap.parse_args()
    X, y, folds = load(args.cache)
    print(f"ESC-10: {X.shape}, folds {np.bincount(folds)[1:]}", flush=True)

    if "librosa" not in args.skip:
        accs, dt = librosa_baseline(X, y, folds)
        print(f"librosa baseline: {fmt(accs)}  [{dt:.0f} s]", flush=True)

    if "ablation" not in args.skip:
        front = texture_svm(sr=SR, duration=DURATION)[:3]
        S = front.fit_transform(X)
        families = args.blocks or [
            "bands",
            "windows",
            "glcm",
            "glcm_bands",
            "lbp",
            "gabor",
            "gabor_bands",
            "hog",
            "mfcc",
        ]
        blocks = {}
        for name in families:
            t = time.perf_counter()
            if name == "mfcc":
                blocks[name] = mfcc_svm(sr=SR, duration=DURATION)[:2].fit_transform(X)
            else:
                blocks[name] = _texture_union((name,)).fit_transform(S)
            print(
                f"  {name}: {blocks[name].shape[1]} features, "
                f"{time.perf_counter() - t:.1f} s / 400 clips",
                flush=True,
            )
        default = ["bands", "windows", "glcm", "glcm_bands", "lbp", "gabor"]
        sets = {f"{b} alone": [b] for b in blocks}
        sets["default union"] = default
        for b in default:
            sets[f"default - {b}"] = [c for c in default if c != b]
        for b in blocks:
            if b not in default:
                sets[f"default + {b}"] = [*default, b]
        for name, members in sets.items():
            members = [m for m in members if m in blocks]
            F = np.concatenate([blocks[m] for m in members], axis=1)
            accs, chosen = nested_score(F, y, folds)
            cs = sorted(set(chain.from_iterable(c.values() for c in chosen)))
            print(f"{name:28s} {F.shape[1]:5d}  {fmt(accs)}  C in {cs}", flush=True)

    if "select" not in args.skip:
        select_addition(texture_svm(sr=SR, duration=DURATION)[:3].fit_transform(X), y, folds)

    if "recipes" not in args.skip:
        for builder in (mfcc_svm, texture_svm):
            accs, dt = recipe_run(builder, X, y, folds)
            print(f"{builder.__name__}: {fmt(accs)}  [{dt:.0f} s, 5 folds]", flush=True)


def _lr_search():
    from sklearn.linear_model import LogisticRegression

    inner = StratifiedKFold(5, shuffle=True, random_state=0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return GridSearchCV(pipe, {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}, cv=inner)


def _candidate_blocks(S):
    """The additions to the previous union that part 4 chose among."""
    q = np.percentile(S, (10, 50, 90), axis=-1)
    h = S.shape[1] // 8
    contrast = []
    for i in range(8):
        sub = np.sort(S[:, i * h : (i + 1) * h], axis=1)
        k = max(1, round(0.2 * h))
        peak, valley = sub[:, -k:].mean(1), sub[:, :k].mean(1)
        contrast += [(peak - valley).mean(-1), (peak - valley).std(-1), valley.mean(-1)]
    flux = np.maximum(np.diff(S, axis=-1), 0).mean(1)
    return {
        "windows": WindowPooling(window=86).fit_transform(S),
        "percentiles": np.concatenate(list(q), 1),
        "contrast": np.stack(contrast, 1),
        "flux": np.stack(
            [flux.mean(-1), flux.std(-1), flux.max(-1), np.percentile(flux, 90, -1)], 1
        ),
    }


def select_addition(S, y, folds):
    """Part 4: inner leave-one-fold-out on the training folds chooses; outer only reported."""
    base = _texture_union(("bands", "glcm", "glcm_bands", "lbp", "gabor")).fit_transform(S)
    extra = _candidate_blocks(S)
    cands = {"previous union": base}
    cands.update({f"+ {n}": np.concatenate([base, e], 1) for n, e in extra.items()})
    cands["+ all four"] = np.concatenate([base, *extra.values()], 1)
    names = list(cands)
    inner, outer = np.zeros((5, len(names))), np.zeros((5, len(names)))
    for i, k in enumerate(np.unique(folds)):
        tr, te = folds != k, folds == k
        for j, name in enumerate(names):
            F, s = cands[name], []
            for kk in np.unique(folds[tr]):
                a, b = tr & (folds != kk), folds == kk
                s.append(_lr_search().fit(F[a], y[a]).score(F[b], y[b]))
            inner[i, j] = np.mean(s) * 100
            outer[i, j] = _lr_search().fit(F[tr], y[tr]).score(F[te], y[te]) * 100
    for j, name in enumerate(names):
        print(f"{name:20s} inner {inner[:, j].mean():.1f}  outer {fmt(outer[:, j])}", flush=True)
    win = inner.argmax(1)
    print(f"inner CV picks: {[names[w] for w in win]}; nested {fmt(outer[range(5), win])}")


if __name__ == "__main__":
    main()
