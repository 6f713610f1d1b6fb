"""Indexes that ingest writes and reads, reshaped (docs/benchmarks.md, ## Care):

- authors lose their own channel index: the unique (channel, handle) index leads with the
  channel and serves the same lookups;
- posts trade their author index for (author, direction, created_at), which leads with the
  author too and lets ingest count each author's recent inbound posts from the index alone.

The indexes Django made for the two foreign keys are dropped by name with DROP INDEX (altering
the fields would make SQLite copy each table whole)."""

import django.db.models.deletion
from django.db import migrations, models

# The names Django gave them in 0001.
AUTHOR_CHANNEL = "care_author_channel_id_8d08efc2"
POST_AUTHOR = "care_post_author_id_05d50b2e"


def _drop(index: str, table: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{index}"',
        reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0005_open_counts_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["author", "direction", "created_at"], name="care_post_author_recent"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="author",
                    name="channel",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="authors",
                        to="care.channel",
                    ),
                ),
                migrations.AlterField(
                    model_name="post",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="posts",
                        to="care.author",
                    ),
                ),
            ],
            database_operations=[
                _drop(AUTHOR_CHANNEL, "care_author", "channel_id"),
                _drop(POST_AUTHOR, "care_post", "author_id"),
            ],
        ),
    ]
