"""FSDD, official split: small CNNs, ImageNet transfer (EfficientNet-Lite0) and hybrids.

Usage::

    python benchmarks/bench_deep.py --data ../shared/data/fsdd [--quick] [--epochs 12]

Audio is loaded once (8 kHz, centred in 1.0 s); the mel spectrogram (40 bands, n_fft 512,
hop 128: 40 x 63 images, in dB) is computed once for both splits. Rows:

- 2-D CNN and CRNN (``SpectrogramCNNClassifier``, ``cnn2d`` / ``crnn``) on the mel dB images
  (standardised with the training mean/std), ``--epochs`` epochs, AdamW at lr 1e-2 with cosine
  decay, shuffled batches (skorch does not shuffle by default);
- frozen EfficientNet-Lite0 embedding (``PretrainedCNNEmbedding`` at ``--input-size``): the
  global mean of the head (1280 features) + logistic regression, and ``--layer`` averaged on
  a ``--grid`` of time-frequency cells (default block 7, 4 x 2: 640 features, chosen by 5-fold
  CV on the training clips) + linear SVM / logistic regression / RBF SVC (after
  ``StandardScaler``);
- fine-tuned EfficientNet-Lite0 (``module="efficientnet_lite0"``: new head, the last
  ``--finetune-blocks`` blocks and the head convolution train too);
- hybrids: ``FeatureUnion`` of the frozen embedding and MFCC + deltas pooled by
  ``TemporalStats`` -> ``StandardScaler`` -> SVC, and the same union plus the 2-D CNN's
  embedding (``NetTransformer``).

Features shared by several rows (mel images, the frozen embedding, the MFCC statistics) are
computed once; a row's fit/predict time is its share: extraction of what it uses on the
training / test clips plus its own training / prediction. Also printed: the frozen embedding's
throughput on 2 torch threads at 224 x 224 (the ImageNet size) and at the size used here.

``--quick`` subsamples (every 9th training clip, every 3rd test clip) for a smoke run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from _fsdd_common import HOP, N_FFT, SR, load_fsdd_clips, mfcc_features
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from specsk.spectrogram import MelSpectrogram, PowerToDb

N_MELS = 40


class Timer:
    def __init__(self):
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self):
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c


def mel_db():
    return make_pipeline(
        MelSpectrogram(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS), PowerToDb(top_db=80.0)
    )


def standardize(S_train, S_test):
    """One mean/std over the training images: CNN inputs near unit scale."""
    mu, sd = float(S_train.mean()), float(S_train.std())
    return (S_train - mu) / sd, (S_test - mu) / sd


def cosine(epochs):
    """Cosine learning-rate decay over the run (skorch callback)."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import CosineAnnealingLR

    return [LRScheduler(policy=CosineAnnealingLR, T_max=epochs)]


def embedding_throughput(S, input_size, n_threads=2, repeat=2):
    """Clips/s of PretrainedCNNEmbedding.transform (model load kept out), best of ``repeat``."""
    from specsk.nn import PretrainedCNNEmbedding

    emb = PretrainedCNNEmbedding(input_size=input_size, n_threads=n_threads).fit(S[:2])
    emb.transform(S[:32])  # oneDNN primitives for this shape are created on first use
    best_wall, best_cpu = 0.0, 0.0
    for _ in range(repeat):
        with Timer() as t:
            emb.transform(S)
        best_wall = max(best_wall, len(S) / t.wall)
        best_cpu = max(best_cpu, len(S) / t.cpu * n_threads)
    return best_wall, best_cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="FSDD folder (recordings/)")
    parser.add_argument("--quick", action="store_true", help="subsample for a smoke run")
    parser.add_argument("--epochs", type=int, default=40, help="epochs of the small CNNs")
    parser.add_argument("--finetune-epochs", type=int, default=6)
    parser.add_argument(
        "--finetune-blocks",
        type=int,
        default=6,
        help="final EfficientNet blocks trained along with the head",
    )
    parser.add_argument(
        "--finetune-size", type=int, default=96, help="input size of the fine-tuned EfficientNet"
    )
    parser.add_argument(
        "--input-size", type=int, default=96, help="input size of the frozen EfficientNet embedding"
    )
    parser.add_argument("--layer", default="block7", help="layer of the grid embedding")
    parser.add_argument(
        "--grid", type=int, nargs=2, default=(4, 2), help="(n_freq, n_time) cells of the grid"
    )
    parser.add_argument("--throughput-clips", type=int, default=96)
    parser.add_argument("--only", default=None, help="run only rows whose name contains this")
    args = parser.parse_args(argv)
    if not (args.data / "recordings").is_dir():
        parser.error(f"{args.data} has no recordings/ folder")

    import torch

    from specsk.nn import NetTransformer, PretrainedCNNEmbedding, SpectrogramCNNClassifier

    torch.set_num_threads(2)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; torch {torch.__version__}"
    )

    with Timer() as t:
        Xtr, ytr, Xte, yte = load_fsdd_clips(args.data, quick=args.quick)
    print(f"loaded {len(Xtr)} train / {len(Xte)} test clips in {t.wall:.1f} s", flush=True)

    def want(name):
        return args.only is None or args.only in name

    rows = []

    def report(name, pred, fit_s, pred_s, note=""):
        acc = 100.0 * np.mean(np.asarray(pred) == yte)
        rows.append((name, acc, fit_s, pred_s, note))
        print(
            f"  {name}: {acc:.2f} % ({fit_s:.1f} s fit, {pred_s:.1f} s predict) {note}", flush=True
        )

    mel = mel_db()
    with Timer() as t_mel_tr:
        Mtr = mel.fit_transform(Xtr)
    with Timer() as t_mel_te:
        Mte = mel.transform(Xte)
    print(f"mel dB {Mtr.shape[1:]}: {t_mel_tr.wall:.1f} s train, {t_mel_te.wall:.1f} s test")
    Ztr, Zte = standardize(Mtr, Mte)

    # -- small CNNs trained from scratch ----------------------------------------------------
    cnn_for_hybrid = None
    cnn_specs = {
        "2-D CNN (cnn2d)": dict(module="cnn2d", module__n_filters=24, module__n_blocks=3),
        "CRNN (crnn, GRU + attention)": dict(module="crnn", module__n_filters=16),
    }
    for name, spec in cnn_specs.items():
        if not want(name) and not (name.startswith("2-D") and want("hybrid")):
            continue
        net = SpectrogramCNNClassifier(
            **spec,
            max_epochs=args.epochs,
            lr=1e-2,
            callbacks=cosine(args.epochs),
            batch_size=64,
            random_state=0,
            augment=None,
            # skorch does not shuffle by default, and load_fsdd lists the clips digit by digit
            iterator_train__shuffle=True,
        )
        with Timer() as tf:
            net.fit(Ztr, ytr)
        with Timer() as tp:
            pred = net.predict(Zte)
        if name.startswith("2-D"):
            cnn_for_hybrid = (net, tf.wall)
        if want(name):
            report(
                name,
                pred,
                t_mel_tr.wall + tf.wall,
                t_mel_te.wall + tp.wall,
                f"{args.epochs} epochs",
            )

    # -- frozen ImageNet embedding ----------------------------------------------------------
    emb = E_tr = E_te = None
    if want("frozen") or want("hybrid") or want("throughput"):
        n = min(args.throughput_clips, len(Mtr))
        for size in (224, args.input_size):
            wall, cpu = embedding_throughput(Mtr[:n], size)
            print(
                f"frozen embedding throughput at {size}x{size}, 2 threads: {wall:.1f} clips/s "
                f"wall, {cpu:.1f} clips/s per 2 CPU-seconds",
                flush=True,
            )
    if want("frozen") or want("hybrid"):
        embeddings = {
            "pool": dict(layer="pool", pooling="mean"),
            "grid": dict(layer=args.layer, pooling=(args.grid[0], args.grid[1])),
        }
        times = {}
        for key, spec in embeddings.items():
            emb = PretrainedCNNEmbedding(input_size=args.input_size, n_threads=2, **spec)
            with Timer() as t_tr:
                e_tr = emb.fit_transform(Mtr)
            with Timer() as t_te:
                e_te = emb.transform(Mte)
            rate = (len(Mtr) + len(Mte)) / (t_tr.wall + t_te.wall)
            print(
                f"frozen embedding {spec} at {args.input_size}px: {e_tr.shape[1]} features, "
                f"{t_tr.wall:.1f} s train, {t_te.wall:.1f} s test ({rate:.1f} clips/s)",
                flush=True,
            )
            times[key] = (e_tr, e_te, t_mel_tr.wall + t_tr.wall, t_mel_te.wall + t_te.wall)
        E_tr, E_te, emb_fit, emb_pred = times["grid"]
        grid_name = f"{args.layer}, {args.grid[0]}x{args.grid[1]} grid"
        heads = {
            "frozen EfficientNet-Lite0 (pool, global mean) + logistic regression": (
                "pool",
                LogisticRegression(C=0.1, max_iter=2000),
            ),
            f"frozen EfficientNet-Lite0 ({grid_name}) + linear SVM": (
                "grid",
                LinearSVC(C=0.01, max_iter=5000),
            ),
            f"frozen EfficientNet-Lite0 ({grid_name}) + logistic regression": (
                "grid",
                LogisticRegression(C=0.1, max_iter=2000),
            ),
            f"frozen EfficientNet-Lite0 ({grid_name}) + RBF SVC": ("grid", SVC(C=10.0)),
        }
        for name, (key, clf) in heads.items():
            if not want(name):
                continue
            e_tr, e_te, fit0, pred0 = times[key]
            clf = make_pipeline(StandardScaler(), clf)
            with Timer() as tf:
                clf.fit(e_tr, ytr)
            with Timer() as tp:
                pred = clf.predict(e_te)
            report(name, pred, fit0 + tf.wall, pred0 + tp.wall, f"{args.input_size}px")
        t_emb_tr = Timer()
        t_emb_tr.wall = emb_fit - t_mel_tr.wall
        t_emb_te = Timer()
        t_emb_te.wall = emb_pred - t_mel_te.wall

    # -- fine-tuned EfficientNet-Lite0 -------------------------------------------------------
    name = "fine-tuned EfficientNet-Lite0"
    if want(name):
        net = SpectrogramCNNClassifier(
            module="efficientnet_lite0",
            pretrained=True,
            freeze=args.finetune_blocks,
            module__input_size=args.finetune_size,
            max_epochs=args.finetune_epochs,
            lr=1e-3,
            callbacks=cosine(args.finetune_epochs),
            batch_size=32,
            random_state=0,
            iterator_train__shuffle=True,
        )
        with Timer() as tf:
            net.fit(Mtr, ytr)
        with Timer() as tp:
            pred = net.predict(Mte)
        report(
            name,
            pred,
            t_mel_tr.wall + tf.wall,
            t_mel_te.wall + tp.wall,
            f"{args.finetune_size}px, last {args.finetune_blocks} blocks + head, "
            f"{args.finetune_epochs} epochs",
        )

    # -- hybrids ------------------------------------------------------------------------------
    if want("hybrid") and E_tr is not None:
        mf = mfcc_features()
        with Timer() as t_mf_tr:
            F_tr = mf.fit_transform(Xtr)
        with Timer() as t_mf_te:
            F_te = mf.transform(Xte)
        base_fit = t_mel_tr.wall + t_emb_tr.wall + t_mf_tr.wall
        base_pred = t_mel_te.wall + t_emb_te.wall + t_mf_te.wall
        # what FeatureUnion([embedding, mfcc_stats]) outputs, computed once for both rows
        U_tr, U_te = np.hstack([E_tr, F_tr]), np.hstack([E_te, F_te])
        clf = make_pipeline(StandardScaler(), SVC(C=10.0))
        with Timer() as tf:
            clf.fit(U_tr, ytr)
        with Timer() as tp:
            pred = clf.predict(U_te)
        report(
            "hybrid: frozen embedding + MFCC stats -> SVC",
            pred,
            base_fit + tf.wall,
            base_pred + tp.wall,
        )
        # MFCC stats alone, for reference
        clf = make_pipeline(StandardScaler(), SVC(C=10.0))
        with Timer() as tf:
            clf.fit(F_tr, ytr)
        with Timer() as tp:
            pred = clf.predict(F_te)
        report(
            "(reference) MFCC stats -> SVC", pred, t_mf_tr.wall + tf.wall, t_mf_te.wall + tp.wall
        )
        if cnn_for_hybrid is not None:
            net, net_fit = cnn_for_hybrid
            nt = NetTransformer(net, prefit=True).fit(Ztr, ytr)
            with Timer() as t_nt_tr:
                C_tr = nt.transform(Ztr)
            with Timer() as t_nt_te:
                C_te = nt.transform(Zte)
            clf = make_pipeline(StandardScaler(), SVC(C=10.0))
            with Timer() as tf:
                clf.fit(np.hstack([U_tr, C_tr]), ytr)
            with Timer() as tp:
                pred = clf.predict(np.hstack([U_te, C_te]))
            report(
                "hybrid: frozen embedding + MFCC stats + 2-D CNN embedding -> SVC",
                pred,
                base_fit + net_fit + t_nt_tr.wall + tf.wall,
                base_pred + t_nt_te.wall + tp.wall,
            )

    width = max(len(r[0]) for r in rows)
    print()
    print(f"| {'model':<{width}} | test acc (%) | fit (s) | predict (s) | notes |")
    print(f"|{'-' * (width + 2)}|-------------:|--------:|------------:|-------|")
    for name, acc, fit_s, pred_s, note in rows:
        print(f"| {name:<{width}} | {acc:12.2f} | {fit_s:7.1f} | {pred_s:11.1f} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
