import pytest

from nearpeer.members.services import erase_member
from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.notifications.models import Category, Notification
from nearpeer.teaching import services
from nearpeer.teaching.models import CalendarFeed, Registration
from nearpeer.teaching.tests.factories import SessionFactory


@pytest.mark.django_db(transaction=True)
def test_erasing_a_member_gives_their_place_to_the_first_in_line():
    session = SessionFactory(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    services.register(session=session, member=leaving)
    services.register(session=session, member=waiting)
    CalendarFeed.objects.create(member=leaving)

    erase_member(member=leaving, by=committee())

    statuses = dict(Registration.objects.filter(session=session).values_list("member", "status"))
    assert statuses == {
        leaving.pk: Registration.Status.CANCELLED,
        waiting.pk: Registration.Status.REGISTERED,
    }
    assert Notification.objects.filter(recipient=waiting, category=Category.WAITLIST).count() == 1
    assert not CalendarFeed.objects.filter(member=leaving).exists()
