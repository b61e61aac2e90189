"""Feedback answers through the anonymous-answer store (nearpeer.anonymity.store).

Scopes are `feedback:session:<id>:live` and `feedback:session:<id>:recording`: one scope per
channel, so each channel's answers are released in groups of their own and the live and
recording columns can be shown side by side without one being the difference of two others.
The store calls `write_batch` with the answers of a flush, already shuffled; this module writes
a FeedbackBatch and its FeedbackAnswer rows (random keys, no person, no time) in that order.
"""

from django.db.models import Max

from nearpeer.anonymity import store

from .models import Channel, FeedbackAnswer, FeedbackBatch

PREFIX = "feedback:"
AlreadyAnswered = store.AlreadyAnswered


def scope_for(session_id: int, channel: str) -> str:
    return f"feedback:session:{session_id}:{channel}"


def parse_scope(scope: str) -> tuple[int, str]:
    _, kind, session_id, channel = scope.split(":")
    if kind != "session" or channel not in Channel.values:
        raise ValueError(f"not a feedback scope: {scope!r}")
    return int(session_id), channel


def write_batch(scope: str, payloads: list[dict]) -> None:
    """The store's sink for `feedback:` scopes; runs inside the store's flushing transaction."""
    if not payloads:
        return
    session_id, channel = parse_scope(scope)
    last = FeedbackBatch.objects.filter(session_id=session_id, channel=channel).aggregate(
        n=Max("sequence")
    )["n"]
    batch = FeedbackBatch.objects.create(
        session_id=session_id, channel=channel, sequence=(last or 0) + 1, size=len(payloads)
    )
    # One INSERT per row, in the given order: bulk_create would do the same, but the store's
    # contract is about order, so it is spelt out.
    for payload in payloads:
        FeedbackAnswer.objects.create(batch=batch, answers=payload["answers"])


def register() -> None:
    store.register_sink(PREFIX, write_batch)


def submit(*, session_id: int, channel: str, user, answers: list[dict]) -> None:
    store.submit(scope=scope_for(session_id, channel), user=user, payload={"answers": answers})


def answered_scopes(*, scopes, user) -> set[str]:
    return store.answered_scopes(scopes=list(scopes), user=user)


def has_answered(*, session_id: int, channel: str, user) -> bool:
    return store.has_answered(scope=scope_for(session_id, channel), user=user)


def close(*, session_id: int) -> int:
    return sum(store.close(scope=scope_for(session_id, c)) for c in Channel.values)


def pending_count(*, session_id: int) -> int:
    return sum(store.pending_count(scope=scope_for(session_id, c)) for c in Channel.values)


def respondent_count(*, session_id: int, channel: str) -> int:
    return store.respondent_count(scope=scope_for(session_id, channel))
