"""The floor: the least a server on this stack can do for a scan, an approval, a redemption.

    python -m benchmarks.floor --port P --url URL --schema S --secret K --seed DIR

A pure ASGI application under uvicorn (the same HTTP protocol `timebank serve` uses),
psycopg's async pool, no framework. For each request it makes the same checks as the
project and the same database work, and nothing else:
- scan: the bearer token (HS256, checked by hand: signature, expiry), the QR code's
  signature and expiry (the project's ScanTokens), a read of the activity and the
  volunteer's presence in one round trip, a write of two events under the same table lock
  (one statement, as the project's save);
- approval: the bearer token, a read of the record and the staff account in one round trip,
  a write of two events (record, passbook);
- redemption: the kiosk key (the project's keyed hash), a read of the kiosk, the passbook
  and the volunteer in one round trip, the PIN checked against the volunteer's stored hash
  with the project's own PIN check (the same cost), a write of four events (passbook, item,
  redemption, idempotency record).
Its events go to a table of its own (`floor_events`, the same shape, the same lock and
notification), so the seeded log is not disturbed. It decides nothing: it is a floor.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from psycopg_pool import AsyncConnectionPool

from api.cpu_pinning import pin_this_process
from timebank.domain.attendance import presence_id_for
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.security.api_keys import ApiKeys
from timebank.security.keys import derive_key
from timebank.security.pins import PinHasher
from timebank.security.qr_tokens import ScanTokens

try:  # the fastest JSON the environment has
    import orjson

    dumps, loads = orjson.dumps, orjson.loads
except ImportError:  # pragma: no cover
    def dumps(value: Any) -> bytes:
        return json.dumps(value).encode()

    loads = json.loads

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS floor_events (
    originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text,
    state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version));
CREATE OR REPLACE FUNCTION floor_insert(ids uuid[], topics text[], states bytea[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL lock_timeout = '10s';
  LOCK TABLE floor_events IN EXCLUSIVE MODE;
  NOTIFY floor_events;
  RETURN QUERY INSERT INTO floor_events (originator_id, originator_version, topic, state)
    SELECT i, 1, t, s FROM unnest(ids, topics, states) AS u(i, t, s)
    RETURNING notification_id;
END; $$;
"""


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Floor:
    def __init__(self, url: str, schema: str, secret: str, seed: Path) -> None:
        facts = json.loads((seed / "floor.json").read_text())
        self.events = facts["events_table"]
        self.token_key = derive_key(secret, "bearer-tokens")
        self.scan_tokens = ScanTokens(secret)
        self.api_keys = ApiKeys(secret)
        self.pins = PinHasher(secret)
        self.pool = AsyncConnectionPool(
            url, min_size=4, max_size=16, open=False,
            kwargs={"autocommit": True, "options": f"-csearch_path={schema}"})

    async def start(self) -> None:
        await self.pool.open()
        async with self.pool.connection() as conn:
            await conn.execute(SCHEMA_SQL)

    # -- checks ------------------------------------------------------------------------------
    def bearer(self, headers: dict[bytes, bytes]) -> dict[str, Any]:
        value = headers.get(b"authorization", b"").decode()
        if not value.lower().startswith("bearer "):
            raise DomainError("unauthenticated")
        head, payload, signature = value[7:].strip().split(".")
        expected = hmac.new(self.token_key, f"{head}.{payload}".encode(), hashlib.sha256)
        if not hmac.compare_digest(expected.digest(), _unb64(signature)):
            raise DomainError("unauthenticated")
        claims = loads(_unb64(payload))
        if claims["exp"] < time.time():
            raise DomainError("unauthenticated")
        return claims

    async def read(self, ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        """Every event of these aggregates, in one round trip."""
        found: dict[UUID, list[dict[str, Any]]] = {}
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                f'SELECT originator_id, state FROM "{self.events}" '
                "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version",
                (ids,), prepare=True)
            for originator_id, state in await cursor.fetchall():
                found.setdefault(originator_id, []).append(loads(bytes(state)))
        return found

    async def write(self, topics: list[str], states: list[dict[str, Any]]) -> list[int]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT floor_insert(%s, %s, %s)",
                ([uuid4() for _ in topics], topics, [dumps(s) for s in states]), prepare=True)
            return [row[0] for row in await cursor.fetchall()]

    # -- the three requests -------------------------------------------------------------------
    async def scan(self, headers: dict[bytes, bytes], body: dict[str, Any]) -> dict[str, Any]:
        claims = self.bearer(headers)
        volunteer_id = UUID(claims["sub"])
        scan = self.scan_tokens.verify(body["token"], datetime.now(UTC))
        found = await self.read([scan.activity_id, presence_id_for(volunteer_id)])
        if scan.activity_id not in found:
            raise DomainError("invalid_token")
        now = datetime.now(UTC).isoformat()
        await self.write(["scan", "presence"], [
            {"activity_id": str(scan.activity_id), "action": scan.action, "at": now},
            {"volunteer_id": str(volunteer_id), "at": now}])
        return {"action": scan.action, "at": now, "status": "checked_in"}

    async def approve(self, headers: dict[bytes, bytes], record_id: str) -> dict[str, Any]:
        claims = self.bearer(headers)
        record = UUID(record_id)
        found = await self.read([record, UUID(claims["sub"])])
        if record not in found:
            raise DomainError("not_found")
        await self.write(["approved", "credited"], [
            {"record_id": record_id, "points": 20}, {"record_id": record_id, "points": 20}])
        return {"id": record_id, "status": "approved", "hours": "2", "points": 20}

    async def redeem(self, headers: dict[bytes, bytes], body: dict[str, Any]) -> dict[str, Any]:
        key = headers.get(b"x-kiosk-key", b"").decode()
        kiosk_id = ApiKeys.kiosk_id_of(key)
        passbook_id = passbook_id_for(body["passbook_no"])
        found = await self.read([kiosk_id, passbook_id])
        kiosk = found.get(kiosk_id)
        if not kiosk or not self.api_keys.verify(key, kiosk[0]["key_hash"]):
            raise DomainError("unauthenticated")
        volunteer_id = UUID(hex=found[passbook_id][0]["volunteer_id"]["_data_"])
        # The volunteer's PIN hash is one more read: the floor does not know where it lives
        # before the passbook names the volunteer (the project prefetches it from its cache).
        volunteer = (await self.read([volunteer_id]))[volunteer_id]
        pin_hash = next(e["pin_hash"] for e in reversed(volunteer) if e.get("pin_hash"))
        if not self.pins.verify(pin_hash, body["pin"])[0]:
            raise DomainError("wrong_pin")
        now = datetime.now(UTC).isoformat()
        await self.write(["debited", "taken", "redeemed", "idempotency"], [
            {"points": 1, "at": now}, {"quantity": 1}, {"lines": body["items"]},
            {"key": headers.get(b"idempotency-key", b"").decode()}])
        return {"redemption_id": str(uuid4()), "points_spent": 1, "balance_after": 0}

    # -- ASGI --------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.pool.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        path: str = scope["path"]
        status, answer = 200, {}
        try:
            if path == "/api/v1/health":
                answer = {"status": "ok"}
            elif path == "/api/v1/scans":
                answer = await self.scan(headers, loads(body))
            elif path.startswith("/api/v1/service-records/") and path.endswith("/approve"):
                answer = await self.approve(headers, path.split("/")[4])
            elif path == "/api/v1/kiosk/redemptions":
                status, answer = 201, await self.redeem(headers, loads(body))
            else:
                status, answer = 404, {"error": {"code": "not_found"}}
        except (DomainError, KeyError, ValueError) as exc:
            status, answer = 409, {"error": {"code": getattr(exc, "code", "invalid_input")}}
        payload = dumps(answer)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--seed", type=Path, required=True)
    args = parser.parse_args()
    # On one core, as `timebank serve` runs its processes (api/cpu_pinning.py): the same
    # placement for both, whatever it is worth to each.
    pin_this_process(args.seed / "floor-run")
    uvicorn.run(Floor(args.url, args.schema, args.secret, args.seed), host="127.0.0.1",
                port=args.port, log_level="warning", access_log=False,
                http="api.serving:NoDelayHTTPProtocol", lifespan="on")


if __name__ == "__main__":
    main()
