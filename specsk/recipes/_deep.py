"""Recipes with an ImageNet CNN: frozen embedding, fine-tuning, and late fusion (hybrid).

They need the ``nn`` extra (torch, skorch and the packaged ImageNet weights); torch is
imported when a recipe is built, never by ``import specsk.recipes``.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from ..audio import FixedLength
from ._base import front_end, log_mel_steps

__all__ = ["EMBEDDING_DEFAULTS", "embedding_linear", "finetune_cnn", "hybrid"]

#: The frozen-embedding settings of ``embedding_linear``, chosen without test folds: 12
#: settings (blocks 7, 10, 12, 14 of EfficientNet-Lite0; 4 frequency bands; 1, 2 or 3 time
#: cells) were ranked by the mean of their inner-CV accuracy on ESC-10's training folds
#: (leave-one-fold-out inside each outer fold) and their 5-fold CV accuracy on FSDD's
#: official training set (spoken digits, where the order in time matters); see
#: benchmarks/README.md. Block 12 (192 channels, 7 x 7 at 224 px) averaged over a 4 x 2 grid
#: (4 frequency bands, 2 halves in time: 1,536 features) won: it keeps where in frequency a
#: pattern is and roughly when, which a global average loses.
EMBEDDING_DEFAULTS = {
    "model": "efficientnet_lite0",
    "layer": "block12",
    "pooling": (4, 2),
    "time_stats": None,
    "input_size": 224,
}
_LOGISTIC_CS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
_TEXTURE_CS = (0.001, 0.01, 0.1, 1.0)


def _log_mel(sr, duration):
    fixed = FixedLength(duration=duration, sr=sr, mode="pad_or_crop", align="centre")
    return [("fixedlength", fixed), *log_mel_steps(sr, **front_end(sr))]


def _embedding(device):
    from ..nn import PretrainedCNNEmbedding

    return PretrainedCNNEmbedding(device=device, **EMBEDDING_DEFAULTS)


def _logistic(random_state, n_jobs, Cs=_LOGISTIC_CS):
    # C by an inner stratified 3-fold CV on the training data only
    return GridSearchCV(
        LogisticRegression(max_iter=3000, random_state=random_state),
        {"C": list(Cs)},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )


def embedding_linear(*, sr, duration, device="cpu", n_jobs=None, random_state=None):
    """Frozen ImageNet EfficientNet-Lite0 embedding of the log-mel image, logistic regression.

    Waveforms at ``sr`` are padded or cropped (centred) to ``duration``, turned into a log-mel
    image (about 93 ms windows, 128 bands to Nyquist), fed to the frozen ImageNet backbone at
    224 x 224, and described by the block-12 feature map averaged over a grid of 4 frequency
    bands x 2 time halves (:data:`EMBEDDING_DEFAULTS`); a standardised, L2-regularised
    logistic regression whose ``C`` an inner 3-fold CV picks on the training data classifies
    them. No network is trained: ``fit`` costs the embedding (about 60 clips/s on 2 CPU
    cores) and a few seconds of logistic regression.

    Parameters
    ----------
    sr : float
        Sample rate of the input waveforms (Hz).
    duration : float
        Clip length in seconds every clip is padded or cropped to.
    device : str, default="cpu"
        torch device of the backbone (``"cuda"`` where available).
    n_jobs : int or None, default=None
        Parallel jobs of the inner CV.
    random_state : int or None, default=None
        Seeds the logistic regression's solver.

    Returns
    -------
    pipeline : Pipeline
        ``fixedlength -> melspectrogram -> powertodb -> embedding -> standardscaler ->
        logisticregression``.
    """
    return Pipeline(
        [
            *_log_mel(sr, duration),
            ("embedding", _embedding(device)),
            ("standardscaler", StandardScaler()),
            ("logisticregression", _logistic(random_state, n_jobs)),
        ]
    )


def finetune_cnn(
    *,
    sr,
    duration,
    device="cpu",
    random_state=0,
    max_epochs=30,
    train_blocks=6,
    input_size=160,
    lr=1e-3,
    batch_size=32,
    verbose=0,
):
    """EfficientNet-Lite0 from ImageNet, fine-tuned on log-mel images.

    The last ``train_blocks`` blocks, the head convolution and a new linear layer train (the
    early blocks keep their ImageNet weights and batch-norm statistics), with SpecAugment
    (2 frequency and 2 time masks), random time shifts and mixup (alpha 0.2), AdamW with a
    cosine learning-rate schedule, and early stopping on a stratified 15 % validation split
    of the training data (the best epoch's weights are kept).

    Parameters
    ----------
    sr, duration : float
        As in :func:`embedding_linear`.
    device : str, default="cpu"
    random_state : int, default=0
        Seeds initialisation, batch order, augmentation and the validation split.
    max_epochs : int, default=30
    train_blocks : int, default=6
        Final blocks of the 16 that train (0: head only; 16: the whole network).
    input_size : int, default=160
        Image size fed to the network (224 is the ImageNet size; 160 halves the compute).
    lr : float, default=1e-3
    batch_size : int, default=32
    verbose : int, default=0
        1 prints a table per epoch (skorch's progress).

    Returns
    -------
    pipeline : Pipeline
        ``fixedlength -> melspectrogram -> powertodb -> spectrogramcnnclassifier``.
    """
    from skorch.callbacks import EarlyStopping, LRScheduler
    from skorch.dataset import ValidSplit

    from ..nn import Augment, SpectrogramCNNClassifier

    net = SpectrogramCNNClassifier(
        module="efficientnet_lite0",
        pretrained=True,
        freeze=int(train_blocks),
        module__input_size=int(input_size),
        module__dropout=0.3,
        max_epochs=int(max_epochs),
        lr=lr,
        batch_size=batch_size,
        optimizer__weight_decay=1e-2,
        augment=Augment(
            freq_masks=2,
            freq_width=12,
            time_masks=2,
            time_width=20,
            time_shift=20,
            mixup=0.2,
            mask_value="mean",
        ),
        train_split=ValidSplit(
            0.15, stratified=True, random_state=0 if random_state is None else random_state
        ),
        callbacks=[
            ("lr_schedule", LRScheduler(policy="CosineAnnealingLR", T_max=int(max_epochs))),
            (
                "early_stopping",
                EarlyStopping(monitor="valid_loss", patience=8, load_best=True),
            ),
        ],
        device=device,
        random_state=random_state,
        verbose=verbose,
    )
    return Pipeline([*_log_mel(sr, duration), ("spectrogramcnnclassifier", net)])


def hybrid(*, sr, duration, device="cpu", n_jobs=None, random_state=None):
    """Late fusion of the frozen-CNN route and the image-texture route by stacking.

    Two data-independent feature extractors, the frozen EfficientNet-Lite0 embedding of
    :func:`embedding_linear` and the texture/band features of the ``texture_svm`` recipe (each
    with its own log-mel front end), are concatenated (computed once per clip). A
    :class:`~sklearn.ensemble.StackingClassifier` then trains a logistic regression on the
    embedding columns and another on the texture columns (each ``C`` by inner 3-fold CV), and
    a final logistic regression
    on their out-of-fold class probabilities (inner stratified 5-fold CV on the training data)
    weighs the two.

    Parameters
    ----------
    sr, duration, device, n_jobs, random_state
        As in :func:`embedding_linear`.

    Returns
    -------
    pipeline : Pipeline
        ``fixedlength -> features (FeatureUnion) -> stackingclassifier``.
    """
    from ..nn._embedding import embedding_size
    from ._classical import texture_features

    embedding = _embedding(device)
    n_emb = embedding_size(**{k: v for k, v in EMBEDDING_DEFAULTS.items() if k != "input_size"})
    fixed, *log_mel = _log_mel(sr, duration)
    features = FeatureUnion(
        [
            ("embedding", Pipeline([*log_mel, ("embedding", embedding)])),
            ("texture", texture_features(sr=sr, duration=duration)),
        ]
    )
    emb_branch = Pipeline(
        [
            ("columns", ColumnTransformer([("embedding", "passthrough", slice(0, n_emb))])),
            ("standardscaler", StandardScaler()),
            ("logisticregression", _logistic(random_state, n_jobs)),
        ]
    )
    # the texture branch is the logistic regression texture_svm's inner CV picks on ESC-10 in
    # every fold: stacking refits each branch 6 times per fit, the SVC alternative costs 3x
    tex_branch = Pipeline(
        [
            ("columns", ColumnTransformer([("texture", "passthrough", slice(n_emb, None))])),
            ("standardscaler", StandardScaler()),
            ("logisticregression", _logistic(random_state, n_jobs, _TEXTURE_CS)),
        ]
    )
    stack = StackingClassifier(
        [("embedding", emb_branch), ("texture", tex_branch)],
        final_estimator=LogisticRegression(C=1.0, max_iter=2000),
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        stack_method="predict_proba",
        n_jobs=n_jobs,
    )
    return Pipeline([fixed, ("features", features), ("stacking", stack)])
