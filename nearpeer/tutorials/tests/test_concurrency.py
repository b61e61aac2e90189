import threading

import pytest
from django.db import connection

from nearpeer.teaching.models import Session
from nearpeer.tutorials import services


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_committee_members_publishing_at_once_publish_once(boss, programme, cohort):
    services.run_allocation(programme=programme, by=boss)
    barrier = threading.Barrier(2)
    outcomes = []

    def publish():
        barrier.wait()
        try:
            services.publish_programme(programme=programme, by=boss)
            outcomes.append("published")
        except services.RuleBroken as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["published", "the groups are already published"]
    assert Session.objects.count() == 8
