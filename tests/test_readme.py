"""The README's promises: its test command is what CI runs, and its quickstart runs."""

import re
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command():
    test_lines = [b.strip() for b in _bash_blocks() if "pytest" in b]
    assert len(test_lines) == 1, "the README must give exactly one test command"
    steps = [s.strip() for s in test_lines[0].split("&&")]
    ci = (ROOT / ".ci" / "run").read_text()
    pytest_cmd = steps[-1]
    assert pytest_cmd in ci.splitlines(), f"{pytest_cmd!r} is not a line of .ci/run"
    assert "torch==2.13.0" in steps[0] and "torch==2.13.0" in ci
    assert ci.index("torch==2.13.0") < ci.index('".[all,test]"') < ci.index(pytest_cmd)


def test_readme_has_the_demo_command():
    assert any("specsk demo" in b for b in _bash_blocks())


def test_quickstart_runs():
    code = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README-quickstart", "exec"), namespace)
    assert namespace["search"].score(namespace["X_test"], namespace["y_test"]) > 0.5
