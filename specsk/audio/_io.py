"""Reading audio files: ``load_audio``, ``LoadReport`` and the ``AudioLoader`` estimator.

Files are decoded with soundfile (libsndfile: WAV, FLAC, OGG/Vorbis, MP3, AIFF, ...), integer
PCM scaled to [-1, 1] by libsndfile itself. One bad file never costs the rest of a batch: every
file gets a verdict, collected in a :class:`LoadReport`, and ``on_error`` decides whether a
failure raises, is skipped, or is skipped with a warning.
"""

from __future__ import annotations

import numbers
import os
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..base import SpecskTransformer
from ..exceptions import AudioLoadError, SpecskWarning
from ..utils._parallel import map_threads
from ..utils._sklearn_compat import Interval, Options, StrOptions, validate_params
from ._common import POSITIVE
from ._resample import RES_TYPE_CONSTRAINT, _resample_clips

__all__ = ["AudioLoader", "LoadReport", "load_audio"]

ON_ERROR = ("raise", "skip", "warn")
# one declaration, shared by the function (decorator) and the estimator
_LOADER_PARAMS = {
    "sr": [POSITIVE, None],
    "mono": ["boolean"],
    "offset": [Interval(numbers.Real, 0, None, closed="left")],
    "duration": [POSITIVE, None],
    "on_error": [StrOptions(set(ON_ERROR))],
    "res_type": [RES_TYPE_CONSTRAINT],
    "n_jobs": [numbers.Integral, None],
    "verbose": ["verbose"],
}
_FLOAT_TYPES = (np.float32, np.float64)
_LOAD_PARAMS = {
    **_LOADER_PARAMS,
    "dtype": [
        Options(type, {*_FLOAT_TYPES, float}),
        StrOptions({"float32", "float64"}),
        Options(np.dtype, {np.dtype(t) for t in _FLOAT_TYPES}),
    ],
}


@dataclass
class LoadReport:
    """What happened to each file of a :func:`load_audio` call.

    Attributes
    ----------
    paths : list of str
        The inputs, in order.
    ok : np.ndarray [shape=(n_files,)], bool
        ``True`` where the file was loaded. With ``on_error="skip"``/``"warn"`` the returned
        clips are the files where ``ok`` is ``True``, in order, so ``y[report.ok]`` keeps the
        matching labels.
    errors : list of (int, str, str)
        ``(index, path, reason)`` of every file that failed.
    sr : float or None
        Sample rate of the returned clips (``None`` if no file was loaded with ``sr=None``).
    """

    paths: list = field(default_factory=list)
    ok: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    errors: list = field(default_factory=list)
    sr: float | None = None

    @property
    def n_loaded(self) -> int:
        """Number of files loaded."""
        return int(np.count_nonzero(self.ok))

    @property
    def n_failed(self) -> int:
        """Number of files that failed."""
        return len(self.errors)

    def __str__(self) -> str:
        head = f"LoadReport: {self.n_loaded} of {len(self.paths)} files loaded"
        head += f" at sr={self.sr:g}" if self.sr is not None else ""
        if not self.errors:
            return head
        width = max(len(str(i)) for i, _, _ in self.errors)
        rows = [f"  {i:>{width}}  {p}: {r}" for i, p, r in self.errors]
        return "\n".join([head + f"; {self.n_failed} failed:", *rows])

    def to_frame(self):
        """One row per input file: ``path``, ``ok``, ``reason`` (needs pandas).

        Returns
        -------
        frame : pandas.DataFrame
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is an optional dependency
            raise ImportError("LoadReport.to_frame needs pandas: pip install pandas") from exc
        reasons = [""] * len(self.paths)
        for i, _, r in self.errors:
            reasons[i] = r
        return pd.DataFrame({"path": list(self.paths), "ok": self.ok, "reason": reasons})


class _FileError(Exception):
    """A per-file failure; the message is the reason shown to the user."""


def check_paths(paths, *, name: str = "paths") -> list[str]:
    """Validate a batch of file paths and return them as a list of ``str``.

    Accepts a list/tuple, a 1-D array, a pandas Series, or a one-column 2-D array/DataFrame
    of ``str``, ``bytes`` or ``os.PathLike``. ``bytes`` paths (and any file name that is not
    valid UTF-8) are decoded with :func:`os.fsdecode`, which keeps the original bytes.
    """
    if isinstance(paths, str | bytes | os.PathLike):
        raise TypeError(
            f"{name} must be a sequence of file paths, got a single path {paths!r}; wrap it "
            "in a list: [path]"
        )
    if hasattr(paths, "to_numpy"):  # pandas Series / DataFrame
        paths = paths.to_numpy()
    if isinstance(paths, np.ndarray):
        if np.issubdtype(paths.dtype, np.number) or paths.dtype == np.bool_:
            raise TypeError(
                f"{name} must hold file paths (str or os.PathLike), got a numeric array of "
                f"dtype {paths.dtype} and shape {paths.shape}; AudioLoader reads files. "
                "Waveform arrays go straight to FixedLength, Normalize or a spectrogram step"
            )
        if paths.ndim == 2 and paths.shape[1] == 1:
            paths = paths[:, 0]
        if paths.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D (n_files,) or one column (n_files, 1), got shape {paths.shape}"
            )
        paths = paths.tolist()
    try:
        items = list(paths)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of file paths, got {type(paths).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{name} is empty: expected at least one file path")
    out = []
    for i, p in enumerate(items):
        if isinstance(p, list | tuple) and len(p) == 1:  # rows of a one-column table
            p = p[0]
        if not isinstance(p, str | bytes | os.PathLike):
            raise TypeError(
                f"{name}[{i}] must be a file path (str, bytes or os.PathLike), got "
                f"{type(p).__name__} {p!r}"
            )
        # bytes (and names that are not valid UTF-8) become str via the file-system encoding
        # with surrogateescape, so that os.fsencode gives the exact original bytes back
        out.append(os.fsdecode(os.fspath(p)))
    return out


def _native_path(path: str):
    """``path`` as libsndfile should get it: the original bytes on POSIX.

    soundfile encodes a ``str`` path strictly with the file-system encoding, which fails for
    names that are not valid UTF-8 (``os.fsdecode`` turned their bytes into surrogates);
    ``os.fsencode`` restores the exact bytes. Windows takes the ``str`` (wide-char API).
    """
    return path if sys.platform == "win32" else os.fsencode(path)


def _read_one(path: str, offset: float, duration, mono: bool, dtype: str):
    """Decode one file: ``(data, native_sr)``; data is 1-D (mono) or (n_channels, n_times)."""
    import soundfile as sf

    if not os.path.exists(path):
        raise _FileError("file not found")
    if os.path.isdir(path):
        raise _FileError("is a directory, not an audio file")
    if os.path.getsize(path) == 0:
        raise _FileError("empty file (0 bytes)")
    try:
        with sf.SoundFile(_native_path(path)) as f:
            native = f.samplerate
            if f.frames == 0:
                raise _FileError("empty audio (0 frames)")
            start = round(offset * native)
            if start >= f.frames:
                raise _FileError(
                    f"no samples after offset={offset:g} s (the file lasts {f.frames / native:g} s)"
                )
            n = -1 if duration is None else max(1, round(duration * native))
            if start:
                f.seek(start)
            data = f.read(n, dtype=dtype, always_2d=True)
    except _FileError:
        raise
    except sf.LibsndfileError as exc:
        msg = str(getattr(exc, "error_string", "") or exc)
        if "not recognised" in msg.lower() or "unknown format" in msg.lower():
            raise _FileError(f"unsupported or unrecognised audio format ({msg})") from None
        raise _FileError(f"unreadable or corrupt audio file ({msg})") from None
    except (RuntimeError, OSError, ValueError) as exc:
        raise _FileError(f"unreadable or corrupt audio file ({exc})") from None
    if data.shape[0] == 0:
        raise _FileError("empty audio (0 frames)")
    if not np.isfinite(data).all():
        raise _FileError("contains NaN or infinite samples")
    clip = data.mean(axis=1, dtype=data.dtype) if mono else np.ascontiguousarray(data.T)
    return clip, native


@validate_params(_LOAD_PARAMS, prefer_skip_nested_validation=True)
def load_audio(
    paths,
    *,
    sr=22050,
    mono=True,
    offset=0.0,
    duration=None,
    dtype=np.float32,
    on_error="raise",
    res_type="soxr_hq",
    n_jobs=None,
    verbose=False,
):
    """Read audio files into a list of clips, resampled to one rate.

    Parameters
    ----------
    paths : sequence of str, bytes or os.PathLike [shape=(n_files,) or (n_files, 1)]
        Files readable by soundfile/libsndfile (WAV, FLAC, OGG, MP3, AIFF, ...). Names need
        not be valid UTF-8 (``bytes``, or ``str`` from :func:`os.fsdecode`); the report holds
        them as ``os.fsdecode`` strings.
    sr : float > 0 or None, default=22050
        Output sample rate; files at other rates are resampled (grouped by native rate, one
        batched call per group of equal-length clips). ``None`` keeps the native rate, which
        must then be the same for every file loaded (else ``ValueError``).
    mono : bool, default=True
        Downmix to mono by the channel mean. ``False`` returns ``(n_channels, n_times)``
        clips (also for mono files, with one channel).
    offset : float >= 0, default=0.0
        Start reading this many seconds into each file.
    duration : float > 0 or None, default=None
        Read at most this many seconds (``None``: to the end).
    dtype : {np.float32, np.float64}, default=np.float32
        Sample type. Integer PCM is scaled to [-1, 1) (full-scale int16 gives 32767/32768).
    on_error : {"raise", "skip", "warn"}, default="raise"
        A file that is missing, unreadable or corrupt, in an unsupported format, empty (0
        frames, or nothing after ``offset``) or holding NaN/inf samples: ``"raise"`` raises
        :class:`~specsk.exceptions.AudioLoadError` naming the file and the reason; ``"skip"``
        leaves it out of ``clips`` (the report says which); ``"warn"`` skips and emits one
        warning listing all failures.
    res_type : str, default="soxr_hq"
        librosa's resampling filter (see :func:`~specsk.audio.resample`).
    n_jobs : int or None, default=None
        Files decoded in this many threads (libsndfile releases the GIL): None means 1
        unless in a ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`).
    verbose : bool, default=False
        Show a progress bar over the files on stderr.

    Returns
    -------
    clips : list of np.ndarray [shape=(n_times_i,) or (n_channels, n_times_i)]
        One clip per loaded file, in input order (failed files left out unless raising).
    report : LoadReport
        ``report.ok`` is the mask of loaded files; ``report.errors`` the failures.

    Raises
    ------
    AudioLoadError
        With ``on_error="raise"``, for the first file that fails.
    ValueError
        With ``sr=None``, when the loaded files have different sample rates.

    Examples
    --------
    >>> from specsk.audio import load_audio
    >>> clips, report = load_audio(["a.wav", "b.flac"], sr=16000)   # doctest: +SKIP
    >>> print(report)                                                # doctest: +SKIP
    LoadReport: 2 of 2 files loaded at sr=16000
    """
    return _load_audio(
        check_paths(paths),
        sr,
        mono,
        offset,
        duration,
        dtype,
        on_error,
        res_type,
        n_jobs,
        verbose,
    )


def _load_audio(
    paths, sr, mono, offset, duration, dtype, on_error, res_type, n_jobs, verbose=False
):
    """Core of :func:`load_audio` and :class:`AudioLoader` on checked paths and parameters."""
    from tqdm.auto import tqdm

    args = (float(offset), duration, bool(mono), np.dtype(dtype).name)
    bar = tqdm(
        total=len(paths), desc="loading audio", unit="file", disable=not verbose, file=sys.stderr
    )

    def attempt(i, p):
        try:
            return _read_one(p, *args)
        except _FileError as exc:
            if on_error == "raise":
                raise AudioLoadError(f"cannot load audio file {p!r} (input {i}): {exc}") from None
            return str(exc)
        finally:
            bar.update(1)  # tqdm's update takes a lock: safe from the reading threads

    with bar:
        results = map_threads(lambda ip: attempt(*ip), enumerate(paths), n_jobs)
    ok = np.array([not isinstance(r, str) for r in results], dtype=bool)
    errors = [(i, paths[i], r) for i, r in enumerate(results) if isinstance(r, str)]
    loaded = [r for r in results if not isinstance(r, str)]
    rates = sorted({native for _, native in loaded})
    if sr is None:
        if len(rates) > 1:
            by_rate = defaultdict(list)
            for p, r in zip([p for p, k in zip(paths, ok, strict=True) if k], loaded, strict=True):
                by_rate[r[1]].append(p)
            detail = "; ".join(
                f"{r} Hz: {len(v)} file(s), e.g. {v[0]!r}" for r, v in by_rate.items()
            )
            raise ValueError(
                f"sr=None keeps each file's native sample rate, but the files have different "
                f"rates ({detail}). Set sr (e.g. sr={int(max(rates))}) to resample them to one "
                "rate."
            )
        out_sr = float(rates[0]) if rates else None
        clips = [c for c, _ in loaded]
    else:
        out_sr = float(sr)
        clips = [None] * len(loaded)
        groups = defaultdict(list)
        for k, (_, native) in enumerate(loaded):
            groups[native].append(k)
        for native, ks in groups.items():
            res = _resample_clips([loaded[k][0] for k in ks], float(native), out_sr, res_type)
            for k, c in zip(ks, res, strict=True):
                clips[k] = c
    report = LoadReport(paths=paths, ok=ok, errors=errors, sr=out_sr)
    if errors and on_error == "warn":
        warnings.warn(
            f"{len(errors)} of {len(paths)} audio file(s) could not be loaded and were "
            f"skipped:\n{report}",
            SpecskWarning,
            stacklevel=2,
        )
    return clips, report


class AudioLoader(SpecskTransformer):
    """Read audio files: file paths in, a ragged list of clips out.

    Stateless; ``transform`` calls :func:`load_audio`. Clips keep their own lengths, so put
    :class:`~specsk.audio.FixedLength` after this step to get the 2-D ``(n, n_times)`` batch
    that spectrogram steps need::

        make_pipeline(AudioLoader(sr=8000), FixedLength(length=8000, mode="pad_or_crop"),
                      MelSpectrogram(sr=8000), ...)

    Parameters
    ----------
    sr : float > 0 or None, default=22050
        Output sample rate (``None``: the files' common native rate, see :func:`load_audio`).
    mono : bool, default=True
        Downmix by the channel mean; ``False`` gives ``(n_channels, n_times)`` clips.
    offset : float >= 0, default=0.0
        Seconds skipped at the start of each file.
    duration : float > 0 or None, default=None
        Seconds read at most per file.
    on_error : {"raise", "skip", "warn"}, default="raise"
        What a file that cannot be loaded does (see :func:`load_audio`).
    res_type : str, default="soxr_hq"
        librosa's resampling filter.
    n_jobs : int or None, default=None
        Threads used to decode files.
    verbose : bool, default=False
        Show a progress bar over the files on stderr.

    Attributes
    ----------
    load_report_ : LoadReport
        Report of the latest ``transform`` (set by every call).

    Notes
    -----
    ``X`` is a 1-D sequence of paths (``str``, ``bytes`` or ``os.PathLike``), or one column
    of them ``(n, 1)`` as selected from a DataFrame. With ``on_error="skip"`` or ``"warn"`` the rows
    of failed files are **dropped**, so the output can have fewer rows than ``X`` and the
    labels must be filtered with the report's ``ok`` mask. A pipeline cannot drop labels, so
    load first and then fit::

        loader = AudioLoader(sr=16000, on_error="warn")
        clips = loader.transform(paths)
        y_ok = np.asarray(y)[loader.load_report_.ok]
        model.fit(clips, y_ok)          # model = make_pipeline(FixedLength(...), ...)

    Examples
    --------
    >>> from specsk.audio import AudioLoader
    >>> clips = AudioLoader(sr=16000).fit_transform(["a.wav", "b.wav"])   # doctest: +SKIP
    """

    _input = "paths"
    _output = "waveform"
    _kind = "audio"
    _stateless = True
    _parameter_constraints = _LOADER_PARAMS

    def __init__(
        self,
        *,
        sr=22050,
        mono=True,
        offset=0.0,
        duration=None,
        on_error="raise",
        res_type="soxr_hq",
        n_jobs=None,
        verbose=False,
    ):
        self.sr = sr
        self.mono = mono
        self.offset = offset
        self.duration = duration
        self.on_error = on_error
        self.res_type = res_type
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate_input(self, X, *, reset: bool):
        return check_paths(X, name="X")

    def _transform(self, X):
        clips, self.load_report_ = _load_audio(
            X,
            self.sr,
            self.mono,
            self.offset,
            self.duration,
            np.float32,
            self.on_error,
            self.res_type,
            self.n_jobs,
            self.verbose,
        )
        return clips

    def _output_metadata(self, meta, Xt):
        sr = self.load_report_.sr  # sr, or the files' common native rate with sr=None
        return None if sr is None else {"sr": sr}

    @classmethod
    def _make_test_input(cls, rng=None, rank=None):
        """Write 8 short int16 WAV files (two tone classes) to a temporary folder.

        Returns
        -------
        paths : np.ndarray [shape=(8,)], object
        y : np.ndarray [shape=(8,)], int
        """
        import soundfile as sf

        from ..utils.estimator_checks import temporary_test_folder

        rng = np.random.default_rng(0) if rng is None else rng
        folder = temporary_test_folder(prefix="specsk-audioloader-")
        y = np.tile([0, 1], 4)
        t = np.arange(4096) / 8000.0
        paths = []
        for i, label in enumerate(y):
            f0 = 440.0 if label == 0 else 1200.0
            x = 0.5 * np.sin(2 * np.pi * f0 * t) + 0.05 * rng.standard_normal(t.size)
            p = os.path.join(folder, f"clip{i}_{label}.wav")
            sf.write(p, x, 8000, subtype="PCM_16")
            paths.append(p)
        return np.array(paths, dtype=object), y

    @classmethod
    def _get_test_params(cls):
        return [{"sr": 8000}, {"sr": 16000, "on_error": "skip"}]
