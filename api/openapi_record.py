"""Record the document's examples from a run of the API tests: `scripts/openapi --record-examples`.

Runs `tests/api` on SQLite with `TIMEBANK_RECORD_EXAMPLES` set (tests/openapi_conformance.py
keeps each operation's first successful JSON answer and its request body), merges what the
test processes kept, cuts lists to their first two items, writes
`api/openapi_recorded_examples.json` and then regenerates docs/openapi.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from api.openapi_examples import RECORDED_FILE

ROOT = Path(__file__).resolve().parent.parent
KEPT_ITEMS = 2


def shortened(body: Any) -> Any:
    if isinstance(body, list):
        return [shortened(item) for item in body[:KEPT_ITEMS]]
    if isinstance(body, dict):
        return {key: shortened(value) for key, value in body.items()}
    return body


def merge(folder: Path) -> dict[str, dict[str, Any]]:
    """Per operation, the answer kept by the first file (in name order) that has it."""
    merged: dict[str, dict[str, Any]] = {}
    for kept in sorted(folder.glob("examples-*.json")):
        for operation_id, parts in json.loads(kept.read_text(encoding="utf-8")).items():
            merged.setdefault(operation_id, {key: shortened(v) for key, v in parts.items()})
    return dict(sorted(merged.items()))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="timebank-examples-") as folder:
        environment = {**os.environ, "TIMEBANK_RECORD_EXAMPLES": folder}
        run = subprocess.run(  # noqa: S603 — a fixed command line, no outside input
            [sys.executable, "-m", "pytest", "tests/api", "-m", "not postgres", "-q",
             "--ignore", "tests/api/test_openapi_recorded_examples.py",
             "-p", "no:cacheprovider", "-n", os.environ.get("TEST_WORKERS", "2")],
            cwd=ROOT, env=environment, check=False)
        examples = merge(Path(folder))
        if run.returncode != 0:
            # A failing test does not make the others' answers wrong (and each example is
            # checked against the document by tests/api/test_openapi_recorded_examples.py).
            print("Some API tests failed (see above); recording the answers of the others.",
                  file=sys.stderr)
        if not examples:
            print("No examples recorded.", file=sys.stderr)
            return 1
    RECORDED_FILE.write_text(json.dumps(examples, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    print(f"{RECORDED_FILE.relative_to(ROOT)}: examples of {len(examples)} operations")
    return subprocess.run([sys.executable, "-m", "api.openapi_publish"], cwd=ROOT,
                          check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
