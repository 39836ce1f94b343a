"""Application services: load aggregates, let them decide, save — retrying on conflicts."""

from timebank.application.app import TimebankApp
from timebank.application.idempotency import Idempotency

__all__ = ["Idempotency", "TimebankApp"]
