from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "nearpeer.questions"
    label = "questions"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_on_writes, bump_owner_on_writes

        from .models import Comment, Question, QuestionVersion, Rating, ReviewCard, Tag

        # What the cached question pages show (nearpeer.core.cache.fragment).
        bump_on_writes("questions", Question, QuestionVersion, Tag, Rating, Comment)
        # A member's due count on the home panel (home.py), per member.
        bump_owner_on_writes("review", ReviewCard, "member_id")
