"""Download, verify and unpack ESC-50, FSDD and UrbanSound8K, then list them like the loaders.

Downloads go through pooch (resumable caching, SHA-256 check, optional progress bar) into a
data home: ``data_home=``, else the ``SPECSK_DATA`` environment variable, else
``~/specsk_data``. An archive is unpacked into a temporary folder and renamed into place only
when complete, so an interrupted run never leaves a half dataset that a later call would
take for a whole one; once unpacked, a dataset is used from disk without any network access.

About the checksums: a fetcher verifies the archive's SHA-256 against ``known_hash`` or, by
default, the module constant next to its URL. The constants below are ``None`` because no
SHA-256 is published for these archives and none could be computed when this was written
(no network): ESC-50 and FSDD come as archives that GitHub generates from a branch or tag
(``master.zip`` changes whenever the repository does), and Zenodo lists an MD5, not a SHA-256,
for UrbanSound8K. Without a hash the download is *not verified*: the fetcher warns and gives
the SHA-256 of what it got, which you can pass as ``known_hash=`` (``"sha256:<hex>"`` or the
bare hex; pooch also accepts ``"md5:<hex>"``) to pin it from then on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import urllib.request
import warnings
import zipfile
from pathlib import Path

from ..exceptions import SpecskWarning
from ._esc import load_esc50
from ._fsdd import load_fsdd
from ._urbansound8k import load_urbansound8k

__all__ = [
    "ESC50_ARCHIVE_URL",
    "ESC50_SHA256",
    "FSDD_ARCHIVE_URL",
    "FSDD_SHA256",
    "US8K_ARCHIVE_URL",
    "US8K_SHA256",
    "fetch_esc50",
    "fetch_fsdd",
    "fetch_urbansound8k",
    "get_data_home",
    "retrieve",
]

DATA_HOME_ENV = "SPECSK_DATA"
DEFAULT_DATA_HOME = "~/specsk_data"

#: the download link of the ESC-50 README (GitHub's archive of the master branch, ~600 MB)
ESC50_ARCHIVE_URL = "https://github.com/karolpiczak/ESC-50/archive/master.zip"
#: not pinned: GitHub builds master.zip on request and it changes with the branch; pass
#: known_hash= to pin the archive you validated
ESC50_SHA256 = None

#: FSDD release v1.0.10 (the latest tag; GitHub's tarball of it, ~20 MB)
FSDD_ARCHIVE_URL = (
    "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.tar.gz"
)
#: not pinned: GitHub generates tag tarballs and publishes no checksum for them
FSDD_SHA256 = None

#: UrbanSound8K on Zenodo (record 1203745, the download the dataset's site links to; 6.6 GB)
US8K_ARCHIVE_URL = "https://zenodo.org/record/1203745/files/UrbanSound8K.tar.gz"
#: not pinned here: Zenodo publishes an MD5 for it (pass known_hash="md5:<hex>"), no SHA-256
US8K_SHA256 = None

_CHUNK = 1 << 20


class _Dataset:
    def __init__(self, name, url, sha256, archive, folder, marker):
        self.name, self.url, self.sha256 = name, url, sha256
        self.archive, self.folder, self.marker = archive, folder, marker


_ESC50 = _Dataset(
    "ESC-50", ESC50_ARCHIVE_URL, ESC50_SHA256, "ESC-50-master.zip", "ESC-50", "meta/esc50.csv"
)
_FSDD = _Dataset(
    "FSDD",
    FSDD_ARCHIVE_URL,
    FSDD_SHA256,
    "free-spoken-digit-dataset-1.0.10.tar.gz",
    "FSDD",
    "recordings",
)
_US8K = _Dataset(
    "UrbanSound8K",
    US8K_ARCHIVE_URL,
    US8K_SHA256,
    "UrbanSound8K.tar.gz",
    "UrbanSound8K",
    "metadata/UrbanSound8K.csv",
)


def get_data_home(data_home=None) -> Path:
    """The folder datasets are downloaded to, created if needed.

    Parameters
    ----------
    data_home : str or path-like, optional
        Default: the ``SPECSK_DATA`` environment variable, else ``~/specsk_data``.

    Returns
    -------
    data_home : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> from specsk.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp).is_dir()
    True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    if not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(f"data_home must be a str or os.PathLike, got {type(data_home).__name__}")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file_downloader(url, output_file, pooch=None, check_only=False):
    """pooch downloader for ``file://`` URLs (local mirrors and tests)."""
    source = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    if check_only:
        return source.is_file()
    if not source.is_file():
        raise FileNotFoundError(f"{url} does not exist")
    if hasattr(output_file, "write"):
        with open(source, "rb") as f:
            shutil.copyfileobj(f, output_file, _CHUNK)
    else:
        shutil.copyfile(source, output_file)
    return None


def _sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _pooch_hash(known_hash):
    if known_hash is None:
        return None
    if not isinstance(known_hash, str):
        raise TypeError(f"known_hash must be a str or None, got {type(known_hash).__name__}")
    return known_hash if ":" in known_hash else f"sha256:{known_hash}"


def retrieve(url, path, *, known_hash=None, verbose=False, timeout=60.0) -> Path:
    """Download ``url`` to the file ``path`` with pooch, checking ``known_hash``.

    pooch downloads to a temporary file next to ``path``, checks the hash and only then
    moves it into place (a mismatch deletes the download and raises ``ValueError``). An
    existing ``path`` with the right hash is kept without downloading. ``file://`` URLs are
    copied. Used by the dataset fetchers and :func:`specsk.nn.download_weights`.

    Parameters
    ----------
    url : str
        ``https://``, ``http://``, ``ftp://``, ``doi:`` or ``file://`` URL.
    path : str or path-like
        Destination file; its folder is created.
    known_hash : str or None, default=None
        ``"sha256:<hex>"``, ``"md5:<hex>"`` or a bare SHA-256 hex digest; None: not checked.
    verbose : bool, default=False
        Show a progress bar (tqdm).
    timeout : float, default=60.0
        Seconds without data before an HTTP download fails.

    Returns
    -------
    path : pathlib.Path
    """
    import pooch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if urllib.parse.urlparse(url).scheme == "file":
        downloader = _file_downloader
    elif url.startswith(("http://", "https://")):
        downloader = pooch.HTTPDownloader(progressbar=bool(verbose), timeout=timeout)
    else:
        downloader = None  # pooch picks one (ftp, sftp, doi)
    logger = pooch.get_logger()
    level = logger.level
    if not verbose:
        logger.setLevel("WARNING")
    try:
        out = pooch.retrieve(
            url,
            known_hash=_pooch_hash(known_hash),
            fname=path.name,
            path=path.parent,
            downloader=downloader,
            progressbar=bool(verbose),
        )
    finally:
        logger.setLevel(level)
    return Path(out)


def _find_root(folder: Path, marker: str) -> Path | None:
    """``folder`` or the sub-folder of it holding ``marker`` (an archive's top folder)."""
    if not folder.is_dir():
        return None
    if (folder / marker).exists():
        return folder
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if (sub / marker).exists():
            return sub
    return None


def _inside(base: Path, name: str) -> bool:
    target = (base / name).resolve()
    return target == base or base in target.parents


def _extract(archive: Path, dest: Path) -> None:
    """Unpack a zip or tar archive into ``dest`` (refusing paths that leave it), atomically."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
    try:
        base = tmp.resolve()
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for name in zf.namelist():
                    if not _inside(base, name):
                        raise ValueError(f"{archive} holds a path outside the archive: {name!r}")
                zf.extractall(tmp)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                if hasattr(tarfile, "data_filter"):  # refuses absolute, outside and odd members
                    tf.extractall(tmp, filter="data")
                else:  # pragma: no cover - Python < 3.10.12
                    members = tf.getmembers()
                    for m in members:
                        if not _inside(base, m.name) or m.issym() or m.islnk() or m.isdev():
                            raise ValueError(f"{archive} holds an unsafe member: {m.name!r}")
                    tf.extractall(tmp, members=members)
        else:
            raise ValueError(f"{archive} is neither a zip nor a tar archive")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


_OPTIONS = ("data_home", "url", "known_hash", "download_if_missing", "keep_archive", "verbose")


def _options(scope: dict) -> dict:
    return {k: scope[k] for k in _OPTIONS}


def _fetch(ds: _Dataset, options: dict) -> Path:
    """The unpacked root of ``ds``, downloaded if needed; ``options`` are the fetcher's own
    keyword arguments (``data_home``, ``url``, ``known_hash``, ``download_if_missing``,
    ``keep_archive``, ``verbose``)."""
    data_home, url, known_hash = options["data_home"], options["url"], options["known_hash"]
    download_if_missing, keep_archive = options["download_if_missing"], options["keep_archive"]
    verbose = options["verbose"]
    home = get_data_home(data_home)
    dest = home / ds.folder
    root = _find_root(dest, ds.marker)
    if root is not None:
        return root
    if not download_if_missing:
        raise OSError(
            f"{ds.name} is not in {dest} and download_if_missing=False; call the fetcher "
            "with download_if_missing=True, or unpack the archive there yourself"
        )
    if url is None:
        url, known_hash = ds.url, known_hash if known_hash is not None else ds.sha256
        name = ds.archive
    else:
        name = Path(urllib.parse.urlparse(url).path).name or ds.archive
    archive = retrieve(url, home / name, known_hash=known_hash, verbose=verbose)
    if known_hash is None:
        warnings.warn(
            f"{ds.name}: no checksum is pinned for {url}, so the download was not verified; "
            f"its SHA-256 is {_sha256(archive)}. Pass known_hash='sha256:...' to pin it.",
            SpecskWarning,
            stacklevel=3,
        )
    _extract(archive, dest)
    root = _find_root(dest, ds.marker)
    if root is None:
        raise ValueError(
            f"the {ds.name} archive from {url} does not hold {ds.marker} (in {dest} or a "
            "folder of it): it is not the expected dataset"
        )
    if not keep_archive:
        archive.unlink()
    return root


_COMMON_DOC = """data_home : str or path-like, optional
        Where to download and unpack (see :func:`get_data_home`).
    url : str, optional
        Download from here instead (a mirror, a ``file://`` copy); then only ``known_hash``
        is checked.
    known_hash : str, optional
        ``"sha256:<hex>"`` (or the bare hex) or ``"md5:<hex>"`` of the archive. Default: the
        module's constant, which is None (not verified, with a warning), see the module
        docstring.
    download_if_missing : bool, default=True
        False: raise ``OSError`` unless the dataset is already unpacked.
    keep_archive : bool, default=False
        Keep the downloaded archive next to the unpacked folder.
    verbose : bool, default=False
        Show pooch's progress bar while downloading."""


def fetch_esc50(
    *,
    data_home=None,
    esc10_only=False,
    url=None,
    known_hash=None,
    download_if_missing=True,
    keep_archive=False,
    verbose=False,
):
    """Download ESC-50 (once) and list it with labels and the official 5-fold protocol.

    Parameters
    ----------
    esc10_only : bool, default=False
        Keep the ESC-10 subset, as in :func:`load_esc50`.
    {common}

    Returns
    -------
    data : sklearn.utils.Bunch
        What :func:`load_esc50` returns for the unpacked folder
        (``<data_home>/ESC-50/ESC-50-master``).

    Examples
    --------
    >>> from specsk.datasets import fetch_esc50
    >>> esc = fetch_esc50(verbose=True)  # doctest: +SKIP
    """
    root = _fetch(_ESC50, _options(locals()))
    return load_esc50(root, esc10_only=esc10_only)


def fetch_fsdd(
    *,
    data_home=None,
    split="all",
    url=None,
    known_hash=None,
    download_if_missing=True,
    keep_archive=False,
    verbose=False,
):
    """Download the Free Spoken Digit Dataset (once) and list it with the official split.

    Parameters
    ----------
    split : {{"all", "train", "test"}}, default="all"
        As in :func:`load_fsdd`.
    {common}

    Returns
    -------
    data : sklearn.utils.Bunch
        What :func:`load_fsdd` returns for the unpacked folder.

    Examples
    --------
    >>> from specsk.datasets import fetch_fsdd
    >>> fsdd = fetch_fsdd()  # doctest: +SKIP
    """
    root = _fetch(_FSDD, _options(locals()))
    return load_fsdd(root, split=split)


def fetch_urbansound8k(
    *,
    data_home=None,
    url=None,
    known_hash=None,
    download_if_missing=True,
    keep_archive=False,
    verbose=False,
):
    """Download UrbanSound8K (6.6 GB, once) and list it with the official 10-fold protocol.

    Parameters
    ----------
    {common}

    Returns
    -------
    data : sklearn.utils.Bunch
        What :func:`load_urbansound8k` returns for the unpacked folder.

    Examples
    --------
    >>> from specsk.datasets import fetch_urbansound8k
    >>> us8k = fetch_urbansound8k(verbose=True)  # doctest: +SKIP
    """
    root = _fetch(_US8K, _options(locals()))
    return load_urbansound8k(root)


for _f in (fetch_esc50, fetch_fsdd, fetch_urbansound8k):
    if _f.__doc__:  # None under python -OO
        _f.__doc__ = _f.__doc__.format(common=_COMMON_DOC)
del _f
