"""Batched inserts for the bulk loaders: COPY on PostgreSQL, ``bulk_create`` elsewhere.

Rows are plain tuples whose ids are chosen up front (reserved from the tables' sequences),
so a loader can plan a whole history of linked rows in memory and write each table once.
Used by ``seed_load`` (demo.history) and the benchmark's fixtures (bench.fixtures).
"""

import io
from contextlib import contextmanager
from time import monotonic

from django.db import connection, models


class Writer:
    """Batched inserts of plain tuples with ids chosen up front: COPY on PostgreSQL, bulk_create elsewhere."""

    BATCH = 50_000

    def __init__(self, stdout):
        self.stdout = stdout
        self.total = 0
        self.is_postgres = connection.vendor == "postgresql"

    def ids(self, model, count: int) -> list[int]:
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if self.is_postgres:
                # Reserved from the sequence, so concurrent inserts elsewhere never collide.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, count],
                )
                return [row[0] for row in cursor.fetchall()]
        first = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
        return list(range(first, first + count))

    def insert(self, model, columns: list[str], rows: list[tuple]) -> None:
        started = monotonic()
        fields = [model._meta.get_field(name) for name in columns]
        for start in range(0, len(rows), self.BATCH):
            batch = rows[start:start + self.BATCH]
            if self.is_postgres:
                self._copy(model, fields, batch)
            else:
                model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch])
        self.total += len(rows)
        self.report(f"{model._meta.db_table:<32} {len(rows):>9,} rows", monotonic() - started)

    def _copy(self, model, fields, rows):
        encoders = [_encoder(field) for field in fields]
        buffer = io.StringIO()
        buffer.writelines(
            "\t".join([encode(value) for encode, value in zip(encoders, row, strict=True)]) + "\n" for row in rows
        )
        buffer.seek(0)
        names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN", buffer)

    @contextmanager
    def step(self, label: str):
        started = monotonic()
        yield
        self.report(label, monotonic() - started)

    def report(self, label: str, seconds: float) -> None:
        if self.stdout:
            self.stdout.write(f"  {label:<46} {seconds:6.1f} s")

    def analyze(self, model_list) -> None:
        """Fresh planner statistics, as autovacuum would gather them soon after a load this size."""
        if self.is_postgres:
            with connection.cursor() as cursor:
                for model in model_list:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# COPY's text format: backslash, tab and line breaks are escaped, in one pass.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    return value.translate(_ESCAPES)


def _encoder(field):
    """How COPY's text format spells this field's values; \\N is NULL."""
    if isinstance(field, (models.CharField, models.TextField)):
        return lambda value: "\\N" if value is None else _text(value)
    if isinstance(field, models.BooleanField):
        return lambda value: "\\N" if value is None else ("t" if value else "f")
    if isinstance(field, (models.DateTimeField, models.DateField)):
        return lambda value: "\\N" if value is None else value.isoformat()
    return lambda value: "\\N" if value is None else str(value)
