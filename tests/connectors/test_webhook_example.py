"""The worked example in docs/connectors.md: an export from a closed network, forwarded to the
signed webhook by docs/examples/webhook_forward.py, lands in the care inbox."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from escapevelocity.care.models import Post

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webhook_forward.py"
SECRET = "a-shared-webhook-secret"
MAPPING = {
    "external_id": "id_str",
    "text": "full_text",
    "author": "user.screen_name",
    "author_reach": "user.followers_count",
    "created_at": "created_at",
    "reply_to_id": "in_reply_to_status_id_str",
}


def forwarder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_forward", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tweet(n: int, text: str, reply_to: str | None = None) -> dict[str, Any]:
    return {
        "id_str": f"17{n:04d}",
        "full_text": text,
        "created_at": f"Fri Nov 20 0{n}:00:00 +0000 2026",
        "in_reply_to_status_id_str": reply_to,
        "user": {"screen_name": "dana", "followers_count": 310},
    }


def test_it_forwards_an_export_to_the_signed_webhook(
    org: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CARE_WEBHOOK_SECRET = SECRET
    export = tmp_path / "export.jsonl"
    rows = [
        tweet(1, "@acme my router is broken"),
        tweet(2, "@acme still broken, refund?", reply_to="170001"),
    ]
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n{broken line\n")
    module = forwarder()
    url = f"{live_server.url}/api/care/webhook"
    [batch] = list(module.batches(str(export), MAPPING, "x", 500))
    summary = module.send(url, SECRET, batch)
    assert summary["new"] == 2
    assert module.send(url, SECRET, batch)["duplicate"] == 2  # sent again: nothing twice
    first, second = Post.objects.order_by("created_at")
    assert first.channel.key == "x"
    assert first.author.handle == "dana"
    assert first.author.reach == 310
    assert second.reply_to_external_id == "170001"
    assert second.conversation_id == first.conversation_id
    with pytest.raises(SystemExit, match="refused \\(401\\)"):
        module.send(url, "not-the-secret", batch)


def test_it_signs_exactly_as_the_server_checks() -> None:
    from escapevelocity.signing import signature as sign

    headers = forwarder().signed(b'{"posts": []}', SECRET, 1_763_000_000)
    assert headers["X-EV-Signature"] == sign(SECRET, "1763000000", b'{"posts": []}')
