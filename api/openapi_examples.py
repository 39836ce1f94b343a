"""Request and response examples of the published document, by operationId and status.

Each is a body the API tests really send or receive (ids and times as a run produced
them); `tests/api/test_openapi_examples.py` replays the kiosk flow and checks that every
example has the shape, the fields and the fixed values of the real bodies.
"""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {}
