"""Demo society: ~400 students across years 1–6, teachers, a committee, faculty partners and an
evaluation lead. Idempotent: members are matched by email; only missing rows are created."""

from django.contrib.auth.hashers import make_password

from .models import Role, RoleGrant, User

DOMAIN = "demo.nearpeer.org"
PASSWORD = "nearpeer-demo"  # noqa: S105 (published demo password)
STUDENTS = 400
FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Efua",
    "Farah",
    "George",
    "Hana",
    "Isaac",
    "Jia",
    "Kofi",
    "Laila",
    "Mateo",
    "Nadia",
    "Oliver",
    "Priya",
    "Quentin",
    "Rosa",
    "Samir",
    "Tara",
    "Usman",
    "Vera",
    "William",
    "Ximena",
    "Yusuf",
    "Zara",
    "Amara",
    "Callum",
    "Deepa",
    "Elif",
    "Finn",
    "Grace",
    "Harvey",
    "Imogen",
    "Jamal",
    "Kavya",
    "Leo",
    "Maya",
    "Niamh",
    "Omar",
    "Poppy",
    "Rhys",
    "Sofia",
    "Theo",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zain",
]
LAST = [
    "Adeyemi",
    "Brennan",
    "Chowdhury",
    "Davies",
    "Evans",
    "Fraser",
    "Ghosh",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nwosu",
    "Owen",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
    "Uddin",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zhang",
    "Ahmed",
    "Bell",
    "Campbell",
    "Doyle",
    "Ellis",
    "Fernandes",
    "Gallagher",
    "Hussain",
    "Ibrahim",
    "Jenkins",
    "Kaur",
    "Lopez",
    "Mensah",
]

# (local part, name, year, intercalating, roles, is_staff)
FIXED = [
    ("committee", "Cara Committee", 4, False, [Role.COMMITTEE], True),
    ("teacher", "Theo Teacher", 5, False, [Role.STUDENT_TEACHER], False),
    ("faculty", "Fatima Faculty", None, False, [Role.FACULTY], False),
    ("member", "Mo Member", 2, False, [], False),
    ("member5", "Maya Member", 5, False, [], False),
    ("lead", "Lee Lead", None, False, [Role.EVALUATION_LEAD], False),
    ("faculty2", "Gareth Partner", None, False, [Role.FACULTY], False),
]


def _students(rng) -> list[tuple[str, str, int, bool]]:
    """(local part, name, year, intercalating), the same list on every run."""
    people = []
    for i in range(1, STUDENTS + 1):
        year = (i - 1) % 6 + 1
        intercalating = year == 4 and rng.random() < 0.25
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people.append((f"student{i:04d}", name, year, intercalating))
    return people


def seed(*, rng, stdout) -> None:
    students = _students(rng)
    # 30 student-teachers from years 4–6 (plus teacher@), 4 students on the committee with
    # committee@ (five in all): the same choices every run.
    senior = [s for s in students if s[2] >= 4]
    teacher_ids = {s[0] for s in rng.sample(senior, 30)}
    committee_ids = {s[0] for s in rng.sample([s for s in students if s[2] in (3, 4, 5)], 4)}

    wanted = {}
    for local, name, year, intercalating, roles, staff in FIXED:
        wanted[f"{local}@{DOMAIN}"] = (name, year, intercalating, roles, staff)
    for local, name, year, intercalating in students:
        roles = []
        if local in teacher_ids:
            roles.append(Role.STUDENT_TEACHER)
        if local in committee_ids:
            roles.append(Role.COMMITTEE)
        wanted[f"{local}@{DOMAIN}"] = (name, year, intercalating, roles, local in committee_ids)

    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    missing = [email for email in wanted if email not in existing]
    if missing:
        password = make_password(PASSWORD)  # hashed once: argon2 is slow on purpose
        User.objects.bulk_create(
            [
                User(
                    email=email,
                    name=wanted[email][0],
                    year=wanted[email][1],
                    intercalating=wanted[email][2],
                    is_staff=wanted[email][4],
                    password=password,
                )
                for email in missing
            ]
        )
    ids = dict(User.objects.filter(email__in=wanted).values_list("email", "pk"))
    granted = set(RoleGrant.objects.filter(user_id__in=ids.values()).values_list("user_id", "role"))
    grants = [
        RoleGrant(user_id=ids[email], role=role)
        for email, (_, _, _, roles, _) in wanted.items()
        for role in roles
        if (ids[email], role) not in granted
    ]
    RoleGrant.objects.bulk_create(grants)
    # The demo's committee@ is also the superuser: only a superuser changes another person's
    # email, password or roles, and the demo should show that page working.
    User.objects.filter(email=f"committee@{DOMAIN}").update(is_superuser=True)
    stdout.write(f"members: {len(missing)} demo members and {len(grants)} roles created")
