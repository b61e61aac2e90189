"""The two tables of the anonymous-answer store. Neither has a user, a time or a sequence.

`Marker` says that someone answered a scope (a keyed hash of scope and user, see store.py);
`PendingAnswer` holds a sealed answer until its batch is flushed to the scope's sink. Both use
random primary keys, so neither the key nor (on SQLite) the rowid follows the order of arrival.
"""

import secrets

from django.db import models


def random_id() -> int:
    return secrets.randbits(52) + 1


class Marker(models.Model):
    id = models.BigAutoField(primary_key=True, default=random_id)
    scope = models.CharField(max_length=100)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "digest"], name="one_marker_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.digest[:8]}…"


class PendingAnswer(models.Model):
    id = models.BigAutoField(primary_key=True, default=random_id)
    scope = models.CharField(max_length=100, db_index=True)
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.scope}: sealed answer"
