from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "nearpeer.evaluation"
    label = "evaluation"
