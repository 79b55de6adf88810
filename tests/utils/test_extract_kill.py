"""extract_to_disk survives SIGKILL: a run killed at seeded points (and killed again while
resuming) then resumed gives, byte for byte, the output of a clean run."""

import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

from specsk.utils import _extract, extract_to_disk

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork and SIGKILL"
)

N, BATCH = 60, 4  # 15 batches
N_BATCHES = -(-N // BATCH)
PAUSE = 0.002  # seconds per transform call, so that a timed kill lands inside the run


class _Failing:
    """Rows ``[x, x**2]`` per item; items with a negative first value fail (module level, so
    that the fingerprint is the same in every process)."""

    pause = PAUSE

    def transform(self, X):
        time.sleep(self.pause)
        X = np.asarray(X, dtype=np.float32)
        if (X[:, 0] < 0).any():
            raise ValueError("negative item")
        return np.stack([X, X**2], axis=2)


def _items():
    X = np.arange(N * 3, dtype=np.float64).reshape(N, 3) / 7.0
    X[0:4, 0] = -1.0  # the whole first batch fails (no row shape known yet)
    X[28:32, 0] = -1.0  # another whole batch
    X[[9, 17, 18, 45, 59], 0] = -1.0
    return X


class _Lazy:
    """Items handed out batch by batch; calls ``hook`` before giving out batch ``k`` (1-based)."""

    def __init__(self, X, k, hook):
        self.X, self.k, self.hook, self.calls = X, k, hook, 0

    def __len__(self):
        return len(self.X)

    def __getitem__(self, s):
        self.calls += 1
        if self.calls == self.k:
            self.hook()
        return self.X[s]


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _run_and_die(path, point, k, delay):
    """In the child: run the extraction, arranged to be SIGKILLed at ``point``."""
    X = _items()
    if point == "batch":  # while batch k is being computed, before anything of it is written
        X = _Lazy(X, k, _die)
    elif point == "timer":  # at a seeded moment after batch k starts: anywhere
        X = _Lazy(X, k, lambda: threading.Timer(delay, _die).start())
    elif point == "rows":  # batch k's rows are in the file, its progress record is not
        write, calls = _extract._write_state, [0]

        def _write_state(state_file, state):
            calls[0] += 1
            if calls[0] == k:
                _die()
            write(state_file, state)

        _extract._write_state = _write_state
    elif point == "record":  # the new progress file is written, not yet renamed into place
        replace, calls = os.replace, [0]

        def _replace(src, dst):
            if str(dst).endswith(".progress.json"):
                calls[0] += 1
                if calls[0] == k:
                    _die()
            replace(src, dst)

        _extract.os.replace = _replace
    elif point == "rename":  # the output is renamed into place, the last record is not written
        write = _extract._write_state

        def _write_state(state_file, state):
            if state.get("complete"):
                _die()
            write(state_file, state)

        _extract._write_state = _write_state
    extract_to_disk(_Failing(), X, path, batch_size=BATCH, on_error="nan")


def _killed_run(path, point, k, delay=0.0):
    """Fork a process that runs the extraction and gets SIGKILLed; its exit status."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads around
        pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 1
        try:
            _run_and_die(path, point, k, delay)
            code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"the extraction killed at {point} (k={k}) hung")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    path = tmp_path_factory.mktemp("clean") / "clean.npy"
    res = extract_to_disk(_Failing(), _items(), path, batch_size=BATCH, on_error="nan")
    return path.read_bytes(), res.ok.copy(), dict(res.errors)


def _assert_same_as_clean(res, path, clean):
    data, ok, errors = clean
    assert path.read_bytes() == data  # header and every row, NaN rows included
    np.testing.assert_array_equal(res.ok, ok)
    assert res.errors == errors
    assert not path.with_name(path.name + ".partial").exists()


POINTS = ("batch", "rows", "record", "rename", "timer")


@pytest.mark.parametrize("seed", range(6))
def test_killed_twice_then_resumed_equals_a_clean_run(tmp_path, seed, clean):
    rng = np.random.default_rng(seed)
    path = tmp_path / "f.npy"
    kills = [
        (POINTS[seed % len(POINTS)], int(rng.integers(1, 7))),  # every point as a first kill
        (str(rng.choice(POINTS)), int(rng.integers(1, 5))),  # then killed again resuming
    ]
    for n, (point, k) in enumerate(kills):
        code = _killed_run(path, point, k, delay=float(rng.uniform(0, 3 * PAUSE)))
        # the kill lands before the end, except in a resume after "rename": nothing is left
        # to do then but the last progress record
        if n == 0 or kills[0][0] != "rename":
            assert code == -signal.SIGKILL, (kills, n, code)
    res = extract_to_disk(_Failing(), _items(), path, batch_size=BATCH, on_error="nan")
    _assert_same_as_clean(res, path, clean)


@pytest.mark.parametrize("seed", range(3))
def test_killed_then_truncated_is_detected_on_resume(tmp_path, seed, clean):
    rng = np.random.default_rng(100 + seed)
    path = tmp_path / "f.npy"
    assert _killed_run(path, "batch", int(rng.integers(4, 12))) == -signal.SIGKILL
    partial = path.with_name(path.name + ".partial")
    size = partial.stat().st_size
    keep = int(rng.integers(0, size))  # anywhere: inside the header or the rows
    with open(partial, "r+b") as f:
        f.truncate(keep)
    with pytest.warns(UserWarning, match="truncated|header"):
        res = extract_to_disk(_Failing(), _items(), path, batch_size=BATCH, on_error="nan")
    _assert_same_as_clean(res, path, clean)


def test_killed_interpreter_then_resumed(tmp_path):
    """The same with a separate interpreter (``python -c``) killed after a seeded batch."""
    k = int(np.random.default_rng(7).integers(2, 6))
    path = tmp_path / "f.npy"
    script = (
        "import os, signal, sys\n"
        "import numpy as np\n"
        "from sklearn.preprocessing import FunctionTransformer\n"
        "from specsk.utils import extract_to_disk\n"
        "class Lazy:\n"
        "    calls = 0\n"
        "    def __len__(self): return 40\n"
        "    def __getitem__(self, s):\n"
        "        Lazy.calls += 1\n"
        f"        if Lazy.calls == {k}: os.kill(os.getpid(), signal.SIGKILL)\n"
        "        return np.arange(80.0).reshape(40, 2)[s]\n"
        "extract_to_disk(FunctionTransformer(np.square), Lazy(), sys.argv[1], batch_size=3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path)], timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert not path.exists()  # only the partial file: the output is not there yet
    from sklearn.preprocessing import FunctionTransformer

    X = np.arange(80.0).reshape(40, 2)
    res = extract_to_disk(FunctionTransformer(np.square), X, path, batch_size=3)
    clean = extract_to_disk(FunctionTransformer(np.square), X, tmp_path / "c.npy", batch_size=3)
    assert path.read_bytes() == clean.path.read_bytes() and res.ok.all()
