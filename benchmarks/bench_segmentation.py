"""FSDD, official split: does adding region (ROI) and template-matching features help?

Usage::

    python benchmarks/bench_segmentation.py --data ../shared/data/fsdd [--quick]

Audio is loaded once (8 kHz, centred in 1.0 s by padding or cropping). Pipelines, each fitted
on the 2700 training clips (takes 5-49) and scored on the 300 test clips (takes 0-4):

(a) MFCC -> TemporalStats -> StandardScaler -> SVC: the classical baseline;
(b) FeatureUnion((a)'s features, mel dB -> ROIFeatures) -> StandardScaler -> SVC;
(c) FeatureUnion((a)'s features, mel dB -> TemplateMatching) -> StandardScaler -> SVC;
(d) FeatureUnion of all three -> StandardScaler -> SVC;

plus ROIFeatures alone and TemplateMatching alone (+ StandardScaler + SVC), to see what each
carries by itself. ROIFeatures segments the smoothed mel dB image (GaussianFilter, Otsu,
RegionRefiner) and pools region properties; TemplateMatching learns one median template per
digit (strongest-region windows) and reports the best NCC score, time and frequency of each.

Prints one table: pipeline, test accuracy (%), fit time (s), predict time (s).
``--quick`` subsamples (every 9th training clip, every 3rd test clip) for a smoke run.

A second table times the batched normalised cross-correlation (``match_template``) against
the per-image ``skimage.feature.match_template`` loop on 256 mel-sized images (64 x 63,
float32, template 48 x 24; best of 5, the two sides alternating), with the largest
difference, and the restricted search that TemplateMatching runs (7 frequency rows).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import librosa
import numpy as np
from _fsdd_common import HOP, N_FFT, SR, load_fsdd_clips, mfcc_features
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from specsk.filters import GaussianFilter
from specsk.segmentation import (
    RegionRefiner,
    ROIFeatures,
    TemplateMatching,
    ThresholdSegmenter,
)
from specsk.spectrogram import MelSpectrogram, PowerToDb

N_MELS = 64
# centre frequency of every mel band (MelSpectrogram's Slaney mel scale, fmin 0, fmax sr / 2)
MEL_FREQS = tuple(librosa.mel_frequencies(N_MELS + 2, fmin=0.0, fmax=SR / 2)[1:-1])


def mel_db():
    return [MelSpectrogram(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS), PowerToDb()]


def roi_features():
    segmenter = make_pipeline(
        GaussianFilter(sigma=(1.0, 1.0)),
        ThresholdSegmenter(method="otsu"),
        RegionRefiner(min_area=12, min_size_s=0.03, sr=SR, hop_length=HOP),
    )
    roi = ROIFeatures(segmenter=segmenter, sr=SR, hop_length=HOP, freqs=MEL_FREQS, top_k=3,
                      stats=("mean", "std", "max"))  # fmt: skip
    return make_pipeline(*mel_db(), roi)


def template_features():
    tm = TemplateMatching(template_shape=(48, 24), freq_shift=3, sr=SR, hop_length=HOP,
                          freqs=MEL_FREQS)  # fmt: skip
    return make_pipeline(*mel_db(), tm)


def svc():
    return SVC(C=10.0, gamma="scale")


def build_pipelines():
    return {
        "(a) MFCC+TemporalStats+SVC": make_pipeline(mfcc_features(), StandardScaler(), svc()),
        "(b) (a) + ROIFeatures": make_pipeline(
            make_union(mfcc_features(), roi_features()), StandardScaler(), svc()
        ),
        "(c) (a) + TemplateMatching": make_pipeline(
            make_union(mfcc_features(), template_features()), StandardScaler(), svc()
        ),
        "(d) (a) + ROI + TemplateMatching": make_pipeline(
            make_union(mfcc_features(), roi_features(), template_features()),
            StandardScaler(),
            svc(),
        ),
        "ROIFeatures alone": make_pipeline(roi_features(), StandardScaler(), svc()),
        "TemplateMatching alone": make_pipeline(template_features(), StandardScaler(), svc()),
    }


def bench_ncc(n=256, repeat=5):
    from skimage.feature import match_template as sk_match_template

    from specsk.segmentation import match_template
    from specsk.segmentation._template import _Prepared

    rng = np.random.default_rng(0)
    S = rng.random((n, N_MELS, 63)).astype(np.float32)
    t = rng.random((48, 24)).astype(np.float32)
    rows = []
    for pad in (True, False):
        best_ours = best_ref = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            R = match_template(S, t, pad_input=pad)
            best_ours = min(best_ours, time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref = np.stack([sk_match_template(img, t, pad_input=pad) for img in S])
            best_ref = min(best_ref, time.perf_counter() - t0)
        diff = float(np.abs(R - ref).max())
        rows.append((f"match_template pad_input={pad}", n / best_ours, n / best_ref, diff))
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        _Prepared(S, t.shape).ncc(t, pad_input=True, eps=1e-7, rows=np.arange(20, 27))
        best = min(best, time.perf_counter() - t0)
    rows.append(("7 rows only (freq_shift=3)", n / best, float("nan"), float("nan")))
    print()
    print("| NCC, 256 images 64x63, template 48x24 | specsk img/s | skimage loop img/s | ratio "
          "| max abs diff |")  # fmt: skip
    print("|---|---:|---:|---:|---:|")
    for name, ours, ref, diff in rows:
        if np.isnan(ref):
            print(f"| {name} | {ours:,.0f} | - | - | - |")
        else:
            print(f"| {name} | {ours:,.0f} | {ref:,.0f} | {ours / ref:.1f}x | {diff:.1e} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="FSDD folder (with recordings/)")
    ap.add_argument("--duration", type=float, default=1.0, help="clip length in seconds")
    ap.add_argument("--quick", action="store_true", help="subsample for a smoke run")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    X_train, y_train, X_test, y_test = load_fsdd_clips(
        args.data, duration=args.duration, quick=args.quick
    )
    print(
        f"loaded {len(X_train)} train / {len(X_test)} test clips of {X_train.shape[1]} samples "
        f"in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    rows = []
    for name, pipe in build_pipelines().items():
        t0 = time.perf_counter()
        pipe.fit(X_train, y_train)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        acc = float(np.mean(pipe.predict(X_test) == y_test))
        t_pred = time.perf_counter() - t0
        rows.append((name, 100 * acc, t_fit, t_pred))
        print(f"  {name}: {100 * acc:.1f} % ({t_fit:.1f} s fit)", flush=True)

    print()
    print(f"| {'pipeline':<36} | accuracy % | fit s | predict s |")
    print(f"|{'-' * 38}|------------|-------|-----------|")
    for name, acc, t_fit, t_pred in rows:
        print(f"| {name:<36} | {acc:10.1f} | {t_fit:5.1f} | {t_pred:9.2f} |")
    bench_ncc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
