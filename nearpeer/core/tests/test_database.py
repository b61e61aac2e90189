import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_pass_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "select to_tsvector('english', 'teaching sessions') @@ to_tsquery('english', 'session')"
        )
        assert cursor.fetchone() == (True,)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_used_again_on_a_connection_is_prepared_not_planned_afresh():
    from nearpeer.members.models import User
    from nearpeer.members.tests.factories import UserFactory

    member = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        [before] = cursor.fetchone()
    for _ in range(3):  # the same query with different values: one statement, bound on the server
        assert User.objects.filter(pk=member.pk, email__isnull=False).exists()
        assert not User.objects.filter(pk=member.pk + 1000, email__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == before + 1
    assert any('"members_user"' in s and "$1" in s for s in statements)
