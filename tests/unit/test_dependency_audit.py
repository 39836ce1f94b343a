"""The dependency audit's verdict, from pip-audit's JSON report."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dependency_audit.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dependency_audit", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REPORT = {
    "dependencies": [
        {"name": "jinja2", "version": "3.1.2",
         "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]},
        {"name": "fastapi", "version": "0.115.0", "vulns": []},
        {"name": "timebank", "skip_reason": "Dependency not found on PyPI: timebank (0.1.0)"},
    ]
}


def test_summary_names_each_vulnerability_and_what_was_not_audited() -> None:
    findings, skipped, audited = load_script().summarise(REPORT)
    assert findings == ["jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"]
    assert skipped == ["timebank"]
    assert audited == 2


@pytest.mark.parametrize(
    ("report", "strict", "code"),
    [
        (REPORT, False, 1),  # a known vulnerability always fails
        ({"dependencies": REPORT["dependencies"][1:]}, False, 0),
        ({"dependencies": REPORT["dependencies"][1:]}, True, 1),  # strict: unaudited fails
        ({"dependencies": REPORT["dependencies"][1:2]}, True, 0),
    ],
)
def test_exit_status(report: dict, strict: bool, code: int, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    module = load_script()
    monkeypatch.setattr(module, "run_pip_audit", lambda: report)
    monkeypatch.setattr("sys.argv", ["dependency_audit.py", *(["--strict"] if strict else [])])
    monkeypatch.delenv("TIMEBANK_AUDIT_STRICT", raising=False)
    assert module.main() == code
    assert "dependency audit:" in capsys.readouterr().out
