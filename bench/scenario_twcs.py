"""Replay the "Customer Support on Twitter" sample through `ev import posts` and report how the
posts were threaded into conversations by their reply links.

    .venv/bin/python bench/scenario_twcs.py [--file ../shared/data/twcs/twcs_sample.csv]

The file is read from the shared data folder at run time (never copied into the project); the
scenario skips with a message when it is absent. It imports the file twice into a fresh
SQLite database: as it comes (file order, each batch of 1,000 taken in time order), then again
to show that a re-run stores nothing twice. The reply links in the file are the ground truth:
a link is honoured when a post sits in the same conversation as the post it answers.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_care_ingest import make_org, setup_django

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "twcs" / "twcs_sample.csv"
MAPPING = (
    "external_id=tweet_id,author=author_id,direction=inbound,reply_to_id=in_response_to_tweet_id"
)


def components(links: dict[str, str], ids: set[str]) -> int:
    """The number of true threads: connected groups of posts joined by reply links."""
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for child, target in links.items():
        if target in ids:
            parent[root(child)] = root(target)
    return len({root(i) for i in ids})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"SKIPPED: {args.file} is not here (the shared data folder is optional).")
        return
    with args.file.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ids = {r["tweet_id"] for r in rows}
    links = {
        r["tweet_id"]: r["in_response_to_tweet_id"].removesuffix(".0")
        for r in rows
        if r["in_response_to_tweet_id"]
    }
    inbound = sum(1 for r in rows if r["inbound"] == "True")
    in_file = {c: p for c, p in links.items() if p in ids}

    with tempfile.TemporaryDirectory() as data_dir:
        setup_django("sqlite", data_dir)
        from django.core.management import call_command

        from escapevelocity.care.models import Conversation, Post

        make_org()
        out = io.StringIO()
        t = time.perf_counter()
        call_command(
            "import",
            "posts",
            str(args.file),
            "--quiet",
            "--channel",
            "x",
            "--map",
            MAPPING,
            "--show-errors",
            "3",
            stdout=out,
        )
        seconds = time.perf_counter() - t
        first = out.getvalue()
        out = io.StringIO()
        call_command(
            "import",
            "posts",
            str(args.file),
            "--quiet",
            "--channel",
            "x",
            "--map",
            MAPPING,
            "--show-errors",
            "0",
            stdout=out,
        )
        second = out.getvalue()
        conv_of = dict(Post.objects.values_list("external_id", "conversation_id"))
        honoured = sum(
            1 for c, p in in_file.items() if c in conv_of and conv_of.get(p) == conv_of[c]
        )
        stored_links = sum(1 for c, p in in_file.items() if c in conv_of and p in conv_of)
        sizes = Counter(Conversation.objects.values_list("post_count", flat=True))
        conversations = sum(sizes.values())
        threads = components(in_file, ids)
        outbound_stored = Post.objects.filter(direction="out").count()
        responded = Conversation.objects.filter(first_responded_at__isnull=False).count()

    print(
        f"twcs sample: {len(rows):,} rows ({inbound:,} from customers, {len(rows) - inbound:,} "
        f"from companies), {len(links):,} with a reply link, {len(in_file):,} of them to a "
        "post in the file"
    )
    print(f"first import ({seconds:.1f} s): {first.strip().splitlines()[0]}")
    for line in first.strip().splitlines()[1:]:
        print(f"   {line.strip()}")
    print(f"second import: {second.strip().splitlines()[0]}")
    print(
        f"reply links honoured: {honoured:,} of {stored_links:,} links between stored posts "
        f"({honoured / max(stored_links, 1):.1%})"
    )
    print(
        f"conversations: {conversations:,} (true threads in the file by reply links: "
        f"{threads:,}); company posts kept in threads: {outbound_stored:,}; conversations "
        f"with a company response: {responded:,}"
    )
    print(
        "posts per conversation: "
        + ", ".join(f"{n}: {sizes[n]:,}" for n in sorted(sizes)[:8])
        + (" …" if len(sizes) > 8 else "")
    )


if __name__ == "__main__":
    main()
