"""Can the Bluesky connector keep up with the whole network's posts?

Catching mentions means reading every new post on Bluesky through Jetstream and keeping those
that address the company. This measures, on events the benchmark makes itself (seed 11; 1% name
the company, 0.1% malformed), how fast the connector turns Jetstream messages into Posts:
1) in memory, against a baseline of `json.loads` alone (the least any consumer must do), and
2) end to end over a WebSocket on 127.0.0.1, a local server replaying the events.
Prints events per second and the ratio to the baseline.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time

from websockets.sync.server import serve

from escapevelocity.connectors import TransientError
from escapevelocity.connectors.bluesky import JetstreamMentions

COMPANY = "did:plc:acmecompany000000000000"
HANDLE = "acme.example.com"
N = 60_000
WORDS = [
    "the",
    "a",
    "my",
    "parcel",
    "router",
    "late",
    "again",
    "love",
    "hate",
    "today",
    "why",
    "new",
    "phone",
    "coffee",
    "rain",
]


def events(rng: random.Random) -> list[str]:
    out = []
    t0 = 1_763_600_000_000_000
    for n in range(N):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30)))
        record: dict[str, object] = {
            "$type": "app.bsky.feed.post",
            "createdAt": "2026-11-20T09:00:00.000Z",
            "langs": ["en"],
            "text": text,
        }
        roll = rng.random()
        if roll < 0.005:
            record["text"] = f"@{HANDLE} {text}"
            record["facets"] = [
                {
                    "index": {"byteStart": 0, "byteEnd": len(HANDLE) + 1},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": COMPANY}],
                }
            ]
        elif roll < 0.01:
            record["text"] = f"{text} @{HANDLE}"
        event = {
            "did": f"did:plc:user{rng.randrange(10**6):020d}",
            "time_us": t0 + n * 50,
            "kind": "commit",
            "commit": {
                "rev": "3l",
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": f"3k{n:011d}",
                "record": record,
                "cid": "bafyreib",
            },
        }
        out.append("{broken" if rng.random() < 0.001 else json.dumps(event))
    return out


def main() -> None:
    messages = events(random.Random(11))
    connector = JetstreamMentions(accounts={COMPANY: HANDLE}, url="ws://unused")

    started = time.perf_counter()
    for message in messages:
        with contextlib.suppress(ValueError):
            json.loads(message)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    matched = sum(1 for m in messages if connector.read_event(m)[1] is not None)
    parsing = time.perf_counter() - started

    def replay(ws: object) -> None:
        for message in messages:
            ws.send(message)  # type: ignore[attr-defined]
        ws.close()  # type: ignore[attr-defined]

    server = serve(replay, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.socket.getsockname()[1]
    wire = JetstreamMentions(
        accounts={COMPANY: HANDLE}, url=f"ws://127.0.0.1:{port}/subscribe", recv_timeout=1.0
    )
    got = 0
    started = time.perf_counter()
    try:
        for batch in wire.fetch(None, threading.Event()):
            got += len(batch.posts)
    except TransientError:
        pass  # the server closing the connection ends the replay
    over_wire = time.perf_counter() - started
    server.shutdown()

    print(f"events: {N:,}, addressed to the company: {matched:,} (over the wire: {got:,})")
    print(f"baseline json.loads only: {N / baseline:,.0f} events/s")
    ratio = parsing / baseline
    print(f"connector, in memory:     {N / parsing:,.0f} events/s  ({ratio:.2f}x baseline time)")
    print(f"connector, over WebSocket: {N / over_wire:,.0f} events/s")


if __name__ == "__main__":
    main()
