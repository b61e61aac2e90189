import factory

from nearpeer.members.models import Role, RoleGrant, User


class UserFactory(factory.django.DjangoModelFactory):
    """A member in year 2 unless told otherwise; password "pw". Pass roles=[Role.COMMITTEE, …]."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.ac.uk")
    name = factory.Sequence(lambda n: f"Member {n}")
    year = 2
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            RoleGrant.objects.bulk_create([RoleGrant(user=self, role=r) for r in extracted])
            self.__dict__.pop("roles", None)


def teacher(**kwargs) -> User:
    return UserFactory(roles=[Role.STUDENT_TEACHER], year=kwargs.pop("year", 5), **kwargs)


def committee(**kwargs) -> User:
    return UserFactory(roles=[Role.COMMITTEE], year=kwargs.pop("year", 4), **kwargs)


def faculty(**kwargs) -> User:
    return UserFactory(roles=[Role.FACULTY], year=None, **kwargs)
