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
