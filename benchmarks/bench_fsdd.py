"""FSDD (Free Spoken Digit Dataset), official split: classical vs image-route pipelines.

Usage::

    python benchmarks/bench_fsdd.py --data ../shared/data/fsdd [--quick]

The folder holds ``recordings/{digit}_{speaker}_{index}.wav`` (8 kHz mono); the official split
puts takes 0-4 in the test set (300 files) and 5-49 in the training set (2700 files). Audio is
loaded once (resampled to 8 kHz, centred in 1.0 s by padding or cropping); then each pipeline
is fitted on the training clips and scored on the test clips:

(a) MFCC -> TemporalStats -> StandardScaler -> SVC: the classical baseline;
(b) mel -> PowerToDb -> MedianFilter -> FeatureUnion(GLCM, LBP, Gabor) -> StandardScaler
    -> SVC: the spectrogram-as-image route;
(c) FeatureUnion of (a)'s and (b)'s features -> StandardScaler -> SVC;

plus two small extras: (a+) the classical features with frame-wise SpectralFeatures and
WaveformFeatures pooled by TemporalStats, and (i) mel dB -> Flatten -> PCA -> SVC (whole images).

Prints one table: pipeline, test accuracy (%), fit time (s), predict time (s).
``--quick`` subsamples (every 9th training clip, every 3rd test clip) for a smoke run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _fsdd_common import HOP, N_FFT, SR, load_fsdd_clips, mfcc_features
from sklearn.decomposition import PCA
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from specsk.features import (
    Flatten,
    GaborFeatures,
    GLCMFeatures,
    LBPHistogram,
    SpectralFeatures,
    TemporalStats,
    WaveformFeatures,
)
from specsk.filters import MedianFilter
from specsk.spectrogram import MelSpectrogram, PowerToDb, STFTSpectrogram


def spectral_frame_features():
    """SpectralFeatures (on the STFT magnitude) and RMS/ZCR, pooled over time."""
    return make_union(
        make_pipeline(
            STFTSpectrogram(n_fft=N_FFT, hop_length=HOP),
            SpectralFeatures(sr=SR, n_fft=N_FFT, n_bands=4),
            TemporalStats(stats=("mean", "std", "max")),
        ),
        make_pipeline(
            WaveformFeatures(frame_length=N_FFT, hop_length=HOP),
            TemporalStats(stats=("mean", "std", "max")),
        ),
    )


def image_features():
    """Mel dB image, median-filtered, described by texture features.

    LBP histograms are kept per frequency band (16 bands, 3 radii, non-rotation-invariant
    uniform codes): on a spectrogram the orientation and the frequency of a texture both carry
    meaning, and this is what makes the image route competitive. GLCM uses equal-population
    gray levels, 3 distances and 4 angles; Gabor the default 4 x 4 bank.
    """
    return make_pipeline(
        MelSpectrogram(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=64),
        PowerToDb(top_db=80.0),
        MedianFilter(size=(3, 3)),
        make_union(
            GLCMFeatures(
                distances=(1, 2, 4),
                angles=(0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4),
                quantization="quantile",
            ),
            LBPHistogram(P=8, R=(1, 2, 3), method="nri_uniform", n_bands=16),
            GaborFeatures(),
        ),
    )


def svc():
    return SVC(C=10.0, gamma="scale")


def build_pipelines() -> dict[str, Pipeline]:
    return {
        "(a) MFCC+TemporalStats+SVC": make_pipeline(mfcc_features(), StandardScaler(), svc()),
        "(b) mel dB+MedianFilter+GLCM/LBP/Gabor+SVC": make_pipeline(
            image_features(), StandardScaler(), svc()
        ),
        "(c) union of (a) and (b)+SVC": make_pipeline(
            FeatureUnion([("mfcc", mfcc_features()), ("image", image_features())]),
            StandardScaler(),
            svc(),
        ),
        "(a+) (a)+SpectralFeatures+RMS/ZCR+SVC": make_pipeline(
            FeatureUnion([("mfcc", mfcc_features()), ("spec", spectral_frame_features())]),
            StandardScaler(),
            svc(),
        ),
        "(i) mel dB+Flatten+PCA+SVC": make_pipeline(
            MelSpectrogram(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=64),
            PowerToDb(top_db=80.0),
            Flatten(),
            StandardScaler(),
            PCA(n_components=100, random_state=0),
            svc(),
        ),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="FSDD folder (with recordings/)")
    parser.add_argument("--quick", action="store_true", help="subsample for a smoke run")
    parser.add_argument("--duration", type=float, default=1.0, help="clip length in seconds")
    parser.add_argument(
        "--only", default=None, help="run only pipelines whose name contains this text"
    )
    args = parser.parse_args(argv)
    if not (args.data / "recordings").is_dir():
        parser.error(f"{args.data} has no recordings/ folder")

    t0 = time.perf_counter()
    X_train, y_train, X_test, y_test = load_fsdd_clips(
        args.data, duration=args.duration, quick=args.quick
    )
    print(
        f"loaded {len(X_train)} train / {len(X_test)} test clips of {X_train.shape[1]} samples "
        f"at {SR} Hz in {time.perf_counter() - t0:.1f} s"
    )

    rows = []
    for name, pipe in build_pipelines().items():
        if args.only and args.only not in name:
            continue
        t = time.perf_counter()
        pipe.fit(X_train, y_train)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        pred = pipe.predict(X_test)
        pred_s = time.perf_counter() - t
        acc = 100.0 * np.mean(pred == y_test)
        rows.append((name, acc, fit_s, pred_s))
        print(f"  {name}: {acc:.2f} % ({fit_s:.1f} s fit, {pred_s:.1f} s predict)", flush=True)

    width = max(len(r[0]) for r in rows)
    print()
    print(f"| {'pipeline':<{width}} | test acc (%) | fit (s) | predict (s) |")
    print(f"|{'-' * (width + 2)}|-------------:|--------:|------------:|")
    for name, acc, fit_s, pred_s in rows:
        print(f"| {name:<{width}} | {acc:12.2f} | {fit_s:7.1f} | {pred_s:11.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
