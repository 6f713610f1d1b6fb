from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from escapevelocity.care import services
from escapevelocity.care.importing import ImportFormatError, parse_mapping, read_rows
from escapevelocity.care.models import Conversation, Post
from escapevelocity.org import permissions
from tests.care.conftest import FakeTriager

CSV = (
    "external_id,channel,text,author,created_at\n"
    "1,x,Is my bill wrong?,ann,2026-11-22T08:00:00Z\n"
    "2,x,,ben,2026-11-22T08:01:00Z\n"
    '3,x,"a refund\nplease, it is broken",cy,2026-11-22T08:02:00Z\n'
    "4,x,too,many,columns,here\n"
    "\n"
    "5,x,When do you open?,dee,not-a-date\n"
    "6,x,Thanks!,ann,2026-11-22T08:03:00Z\n"
)


def run_import(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import", "posts", str(path), "--quiet", *extra, stdout=out)
    return out.getvalue()


def test_it_imports_a_csv_reports_bad_rows_by_line_and_keeps_the_good_ones(
    org: Any, fake_triage: FakeTriager, tmp_path: Path
) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(CSV)
    output = run_import(path)
    assert "7 rows" not in output  # the blank line is not a row
    assert "6 rows" in output
    assert "3 new, 0 duplicate, 3 rejected" in output
    assert "line 3: text: is required" in output
    assert "line 6: expected 5 columns, found 6" in output
    assert "line 8: created_at: not a time" in output
    assert set(Post.objects.values_list("external_id", flat=True)) == {"1", "3", "6"}
    assert Post.objects.get(external_id="3").text == "a refund\nplease, it is broken"
    assert Post.objects.get(external_id="1").raw["author"] == "ann"


def test_it_duplicates_nothing_when_run_again(
    org: Any, fake_triage: FakeTriager, tmp_path: Path
) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(CSV)
    run_import(path)
    before = (Post.objects.count(), Conversation.objects.count())
    output = run_import(path)
    assert "0 new, 3 duplicate, 3 rejected" in output
    assert (Post.objects.count(), Conversation.objects.count()) == before


def test_it_maps_another_tools_columns_and_threads_by_their_reply_links(
    org: Any, fake_triage: FakeTriager, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "tweet_id,author_id,inbound,created_at,text,in_response_to_tweet_id\n"
        "10,501,True,Tue Oct 31 22:10:47 +0000 2017,@Lumen my internet is broken,\n"
        "11,LumenCare,False,Tue Oct 31 22:12:00 +0000 2017,@501 sorry! DM us,10.0\n"
        "12,501,True,Tue Oct 31 22:15:00 +0000 2017,@LumenCare done,11.0\n"
    )
    output = run_import(
        path,
        "--channel",
        "x",
        "--map",
        "external_id=tweet_id,author=author_id,direction=inbound,"
        "reply_to_id=in_response_to_tweet_id",
    )
    assert "3 new" in output
    assert "posts threaded by reply link: 2," in output
    conv = Conversation.objects.get()
    assert conv.post_count == 3
    assert conv.first_responded_at is not None
    assert Post.objects.get(external_id="12").reply_to_external_id == "11"


def test_it_imports_json_lines_with_dotted_paths(
    org: Any, fake_triage: FakeTriager, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [
        json.dumps({"id": "a1", "content": "Pricing for the fibre plan?", "user": {"name": "ann"}}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": "a2", "content": "lawsuit", "user": {"name": "ben"}}),
    ]
    path.write_text("\n".join(lines) + "\n")
    output = run_import(path, "--map", "external_id=id,text=content,author=user.name")
    assert "2 new, 0 duplicate, 2 rejected" in output
    assert "line 2: not valid JSON" in output
    assert "line 3: expected a JSON object on the line" in output
    assert Post.objects.get(external_id="a1").channel.key == "import"


def test_it_names_a_missing_column_and_stores_nothing(
    org: Any, fake_triage: FakeTriager, tmp_path: Path
) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("id,body\n1,hello\n")
    with pytest.raises(CommandError, match="no column 'external_id'"):
        run_import(path)
    assert Post.objects.count() == 0


def test_it_refuses_a_mapping_to_an_unknown_field() -> None:
    with pytest.raises(ImportFormatError, match="'body': not a field"):
        parse_mapping("body=text")


def test_it_reports_a_line_that_is_not_utf8() -> None:
    data = b"external_id,text,author\n1,caf\xe9,ann\n2,ok,ben\n"
    rows = list(read_rows(io.BytesIO(data), fmt="csv", mapping={}))
    assert rows[0] == (2, "not UTF-8 text")
    assert rows[1][0] == 3


def test_it_lets_only_the_hub_import(org: Any, fake_triage: FakeTriager) -> None:
    with pytest.raises(PermissionDenied):
        services.import_posts(actor=org.bob, binary=io.BytesIO(b""), fmt="csv")
    assert permissions.is_hub(org.alice)


def test_it_streams_in_batches(org: Any, fake_triage: FakeTriager) -> None:
    body = "external_id,text,author\n" + "".join(f"{i},Is {i} late?,a{i}\n" for i in range(25))
    seen: list[int] = []
    summary = services.import_posts(
        actor=org.alice,
        binary=io.BytesIO(body.encode()),
        fmt="csv",
        batch_size=10,
        progress=lambda s: seen.append(s.rows),
    )
    assert summary.new == 25
    assert fake_triage.calls == [10, 10, 5]
    assert seen == [10, 20, 25]


def test_it_keeps_the_record_whole_in_the_raw_payload(org: Any, fake_triage: FakeTriager) -> None:
    record = {"external_id": "r1", "text": "Late again?", "author": "ann", "_raw": "a column"}
    summary = services.import_posts(
        actor=org.alice, binary=io.BytesIO(json.dumps(record).encode() + b"\n"), fmt="jsonl"
    )
    assert summary.new == 1
    assert Post.objects.get(external_id="r1").raw == record  # "_raw" was the file's own field
    # A post handed over directly keeps its fields, not the marker the import sets.
    direct = {"external_id": "r2", "channel": "x", "text": "Hi?", "author": "ben", "_raw": "x"}
    services.ingest_posts([direct])
    assert "_raw" not in Post.objects.get(external_id="r2").raw
