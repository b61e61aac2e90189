from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "nearpeer.questions"
    label = "questions"
