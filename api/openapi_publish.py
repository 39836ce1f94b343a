"""Publish the OpenAPI document: `scripts/openapi` writes docs/openapi.json from the app.

The file is the published contract that vendors generate clients from. A test fails when
the served document differs from it, so regenerate it with every change to the API; this
refuses to write a document that removes or narrows anything the file already has
(`api/openapi_compat.py`). `--check` only compares, and exits 1 when the file is stale.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from api.app import create_app
from api.openapi_compat import breaking_changes
from timebank.settings import Settings

PUBLISHED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def served_spec() -> dict[str, Any]:
    """The document the app serves at /openapi.json (no database is opened for it)."""
    with tempfile.TemporaryDirectory(prefix="timebank-openapi-") as directory:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            var_dir=Path(directory),
            database_url=f"sqlite:///{directory}/unused.db",
            secret_key=secrets.token_hex(32),  # never serves a request
        )
        return create_app(settings, follow_projections=False, migrate=False).openapi()


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    parser.add_argument("--output", type=Path, default=PUBLISHED)
    args = parser.parse_args(argv)
    spec = served_spec()
    text = render(spec)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if current == text:
        print(f"{args.output}: up to date")
        return 0
    if args.check:
        print(f"{args.output} differs from the served document: run scripts/openapi")
        return 1
    if current is not None:
        problems = breaking_changes(json.loads(current), spec)
        if problems:
            print("Not published: the change removes or narrows what clients rely on:")
            for problem in problems:
                print(f"  - {problem}")
            return 1
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
