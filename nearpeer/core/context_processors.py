from django.conf import settings

from nearpeer.members import permissions


def nearpeer(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "society_name": settings.NEARPEER_SOCIETY_NAME,
        "can": {
            "teach": permissions.is_teacher(user),
            "committee": permissions.is_committee(user),
            "faculty": permissions.is_faculty(user),
            "evaluate": permissions.is_evaluation_lead(user),
        },
    }
