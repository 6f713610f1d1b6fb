"""Forward posts exported from a closed network or a listening vendor to Escape Velocity's signed
webhook. Standard library only: copy it next to the export and run it where the export lands.

    EV_CARE_WEBHOOK_SECRET=… python3 webhook_forward.py export.jsonl \
        --url https://ev.example.com/api/care/webhook --channel x \
        --map external_id=id,text=full_text,author=user.screen_name,created_at=created_at,\
reply_to_id=in_reply_to_status_id_str,author_reach=user.followers_count

Each line of the export is one JSON object; --map names, for each field of the post schema
(docs/import.md), the export's field (a dotted path reaches into nested objects). Posts go in
signed batches; a batch the server could not take (429, 5xx, network) is sent again, freshly
signed, after a growing pause. Sending a batch twice is harmless: posts already stored count as
duplicates.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any


def signed(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """Return the headers that authenticate `body`: X-EV-Timestamp and X-EV-Signature."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-EV-Timestamp": str(timestamp),
        "X-EV-Signature": "sha256=" + mac.hexdigest(),
    }


def pick(item: Mapping[str, Any], path: str) -> Any:
    """Return the value at a dotted path ("user.screen_name"), or None."""
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def to_post(item: Mapping[str, Any], mapping: Mapping[str, str], channel: str) -> dict[str, Any]:
    """Return one post in the webhook's schema from one exported item."""
    post = {field: pick(item, source) for field, source in mapping.items()}
    post = {k: v for k, v in post.items() if v not in (None, "")}
    post.setdefault("channel", channel)
    return post


def batches(path: str, mapping: Mapping[str, str], channel: str, size: int) -> Iterator[list]:
    batch: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as lines:
        for _number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                batch.append(to_post(json.loads(line), mapping, channel))
            except ValueError:
                continue
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def send(url: str, secret: str, posts: list[dict[str, Any]], attempts: int = 6) -> dict[str, Any]:
    """POST one batch, signed; retry what is worth retrying. Return the server's summary."""
    if not url.startswith(("https://", "http://")):
        raise SystemExit("--url must be an http(s) address")
    body = json.dumps({"posts": posts}).encode()
    for attempt in range(1, attempts + 1):
        headers = signed(body, secret, int(time.time()))
        # The scheme was checked above: no file: or custom URL reaches urllib.
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return dict(json.load(answer))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            if exc.code == 401 and "replay" in detail:
                # The same batch went out within the same second, so its signature repeats:
                # sign again a second later (stored posts then count as duplicates).
                time.sleep(1.0)
                continue
            if exc.code != 429 and exc.code < 500:
                raise SystemExit(f"refused ({exc.code}): {detail}") from None
            wait = float(exc.headers.get("Retry-After") or 2**attempt)
        except OSError:
            wait = 2.0**attempt
        time.sleep(random.uniform(wait / 2, wait))
    raise SystemExit(f"gave up after {attempts} attempts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="a JSON Lines file")
    parser.add_argument("--url", required=True, help="…/api/care/webhook")
    parser.add_argument("--channel", required=True, help="x, facebook, instagram, linkedin, …")
    parser.add_argument("--map", required=True, help="FIELD=PATH,… (see docs/import.md)")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    secret = os.environ.get("EV_CARE_WEBHOOK_SECRET", "")
    if not secret:
        raise SystemExit("Set EV_CARE_WEBHOOK_SECRET to the secret the server holds.")
    mapping = dict(pair.split("=", 1) for pair in args.map.split(",") if "=" in pair)
    totals = {"new": 0, "duplicate": 0, "rejected": 0}
    for batch in batches(args.export, mapping, args.channel, args.batch_size):
        summary = send(args.url, secret, batch)
        totals["new"] += summary["new"]
        totals["duplicate"] += summary["duplicate"]
        totals["rejected"] += len(summary["rejected"])
        for _rejected in summary["rejected"]:
            pass


if __name__ == "__main__":
    main()
