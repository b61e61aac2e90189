from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "nearpeer.questions"
    label = "questions"

    def ready(self) -> None:
        from nearpeer.core.cache import bump_on_writes

        from .models import Comment, Question, QuestionVersion, Rating, Tag

        # What the cached question pages show (nearpeer.core.cache.fragment).
        bump_on_writes("questions", Question, QuestionVersion, Tag, Rating, Comment)
