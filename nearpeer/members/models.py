from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def normalise_email(email: str) -> str:
    """The one spelling of an address that sign-in, lockout, throttles and uniqueness compare:
    surrounding blanks removed, all lower case (mail systems treat the local part without case
    in practice, and two accounts differing only by case would be one person twice)."""
    return (email or "").strip().lower()


class Phase(models.TextChoices):
    PRE_CLINICAL = "pre_clinical", "Pre-clinical"
    CLINICAL = "clinical", "Clinical"


class Role(models.TextChoices):
    """Roles beyond membership. Every active user is a member; roles are granted as data."""

    STUDENT_TEACHER = "student_teacher", "Student-teacher"
    COMMITTEE = "committee", "Committee"
    FACULTY = "faculty", "Faculty partner"
    EVALUATION_LEAD = "evaluation_lead", "Evaluation lead"


def phase_for_year(year: int | None) -> str | None:
    if year is None:
        return None
    if year >= settings.NEARPEER_CLINICAL_FROM_YEAR:
        return Phase.CLINICAL
    return Phase.PRE_CLINICAL


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: normalise_email(username)})


class User(AbstractBaseUser, PermissionsMixin):
    """A member of the society: a medical student, or a faculty partner with year left empty."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text="Year of study, 1–6. Empty for faculty partners.",
    )
    intercalating = models.BooleanField(
        default=False, help_text="This year is an intercalated BSc year."
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member's personal data was erased (UK GDPR)."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        indexes = [models.Index(fields=["year"])]
        constraints = [
            # The database refuses a second account whose email differs only by case.
            models.UniqueConstraint(Lower("email"), name="unique_email_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)

    def save(self, *args, **kwargs) -> None:
        # Every path that saves a user (forms, admin, services, shell) stores one spelling.
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def phase(self) -> str | None:
        return phase_for_year(self.year)

    def get_phase_display(self) -> str:
        phase = self.phase
        return Phase(phase).label if phase else ""

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's roles, read once per user object (templates and permissions ask often)
        and kept in the shared cache under a version that every change to this user's grants
        bumps (RoleGrant's signals and queryset), so a grant or revocation shows at once."""
        if not self.pk:
            return frozenset()
        from nearpeer.core.cache import fragment

        return fragment(*self.roles_fragment())

    def roles_fragment(self) -> tuple:
        """The (key, topics, build) of this user's roles in the shared cache."""
        return (
            f"roles:{self.pk}",
            (roles_topic(self.pk),),
            lambda: frozenset(self.role_grants.values_list("role", flat=True)),
        )

    def has_role(self, role: str) -> bool:
        return role in self.roles


def fragments_with_roles(user, specs: list, **options) -> list:
    """nearpeer.core.cache.fragments(specs) for a page, with the user's roles (which every
    page asks for: menu, permissions) read in the same round trip unless already read."""
    from nearpeer.core.cache import fragments

    unread = roles_unread(user)
    if unread is None:
        return fragments(specs, **options)
    roles, *values = fragments([unread.roles_fragment(), *specs], **options)
    set_roles_read(unread, roles)
    return values


def roles_unread(user):
    """The user object whose roles are still to be read (a lazy request.user unwrapped), or
    None when they are known already or there is nobody to read them for."""
    from django.utils.functional import LazyObject

    if not getattr(user, "pk", None):  # (this also looks a lazy request.user up)
        return None
    if isinstance(user, LazyObject):
        user = user._wrapped
    return None if "roles" in user.__dict__ else user


def roles_query(user_id: int) -> tuple[str, list]:
    """SQL selecting (role,) for each role of the user, for a caller that reads them in a round
    trip of its own (the database is the roles' source; the shared cache only keeps copies)."""
    return f"SELECT role FROM {RoleGrant._meta.db_table} WHERE user_id = %s", [user_id]  # noqa: S608


def set_roles_read(user, roles) -> None:
    """Give `user` (from `roles_unread`) the roles a caller read itself (`roles_query`, or a
    fragment read beside others): what the `roles` cached_property would have stored, so the
    rest of the request asks nobody again."""
    user.__dict__["roles"] = frozenset(roles)


def roles_topic(user_id: int) -> str:
    """The data-version topic of one user's roles (nearpeer.core.cache)."""
    return f"roles:{user_id}"


def bump_roles(user_ids) -> None:
    from nearpeer.core.cache import bump

    topics = sorted({roles_topic(pk) for pk in user_ids if pk is not None})
    if topics:
        bump(*topics)


class RoleGrantQuerySet(models.QuerySet):
    """Writes that send no signal bump the roles of the users they touch (saves and deletes,
    cascades included, bump through the signals connected in MembersConfig.ready)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        bump_roles(o.user_id for o in objs)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        bump_roles(o.user_id for o in objs)
        return rows

    def update(self, **kwargs):
        before = set(self.values_list("user_id", flat=True))
        rows = super().update(**kwargs)
        after = {kwargs["user_id"]} if "user_id" in kwargs else set()
        if "user" in kwargs:
            after.add(getattr(kwargs["user"], "pk", kwargs["user"]))
        bump_roles(before | after)
        return rows


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class YearChangeRequest(models.Model):
    """A member asks the committee to correct their year of study. The year decides which
    sessions, recordings, programmes and surveys a member reaches, so members no longer set it
    themselves: it comes from the roster or from a committee member approving a request."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the committee"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="year_requests")
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text="The year asked for; empty for 'not a student'.",
    )
    intercalating = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="pending"),
                name="one_pending_year_request_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: year {self.year or '—'} ({self.get_status_display()})"

    @property
    def year_label(self) -> str:
        if self.year is None:
            return "Not a student (faculty)"
        return f"Year {self.year}" + (" (intercalated BSc)" if self.intercalating else "")


class Invitation(models.Model):
    """The latest invitation a member was sent: a link to choose a password. Each send makes a
    new nonce, so only the newest link works; it also stops working once used."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        JOINED = "joined", "Joined"
        BOUNCED = "bounced", "Bounced"

    member = models.OneToOneField(User, on_delete=models.CASCADE, related_name="invitation")
    nonce = models.CharField(max_length=32)
    sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveSmallIntegerField(default=1)
    accepted_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Invitation of {self.member} ({self.status})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.JOINED
        if self.bounced_at:
            return self.Status.BOUNCED
        return self.Status.INVITED

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class AccessRequest(models.Model):
    """Someone not on the roster asks to join; a committee member approves or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    email = models.EmailField()
    name = models.CharField(max_length=150)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> ({self.get_status_display()})"
