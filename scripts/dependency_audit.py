"""Audits the installed dependencies against known vulnerabilities (pip-audit) and says plainly
what it could and could not check.

    .venv/bin/python scripts/dependency_audit.py [--strict]

Exit 1 when any installed package has a known vulnerability. A package the vulnerability
service could not answer for is listed as not audited; with --strict (or
TIMEBANK_AUDIT_STRICT=true) that fails too, for machines that do reach the service.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path


def run_pip_audit() -> dict:
    site_packages = sysconfig.get_paths()["purelib"]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "audit.json"
        # pip-audit exits 1 when it finds vulnerabilities; the report says which, so the
        # exit status is read from the report rather than from the process.
        subprocess.run(  # noqa: S603 — fixed arguments, our own interpreter
            [sys.executable, "-m", "pip_audit", "--path", site_packages, "--progress-spinner",
             "off", "--format", "json", "--output", str(report), "--timeout", "20"],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        if not report.exists():
            raise SystemExit("dependency audit: pip-audit produced no report")
        return json.loads(report.read_text())


def summarise(report: dict) -> tuple[list[str], list[str], int]:
    """(vulnerability lines, packages not audited, packages audited)."""
    findings: list[str] = []
    skipped: list[str] = []
    audited = 0
    for dependency in report.get("dependencies", []):
        name = f"{dependency['name']} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            skipped.append(name)
            continue
        audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed release"
            findings.append(f"{name}: {vulnerability['id']} (fixed in {fixed})")
    return findings, skipped, audited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strict", action="store_true",
                        default=os.environ.get("TIMEBANK_AUDIT_STRICT", "").lower() == "true")
    strict = parser.parse_args().strict
    findings, skipped, audited = summarise(run_pip_audit())
    print(f"dependency audit: {audited} packages audited, {len(findings)} known "
          f"vulnerabilities, {len(skipped)} packages not audited")
    for line in findings:
        print(f"  VULNERABLE {line}")
    if skipped:
        print("  not audited (the vulnerability service had no answer for them): "
              + ", ".join(sorted(skipped)))
    if findings:
        return 1
    if skipped and strict:
        print("dependency audit: --strict and some packages were not audited")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
