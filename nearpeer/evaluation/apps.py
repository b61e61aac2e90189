from django.apps import AppConfig
from django.db.models.signals import post_delete


class EvaluationConfig(AppConfig):
    name = "nearpeer.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        from nearpeer.anonymity import store
        from nearpeer.core.cache import bump_on_writes

        from . import services
        from .models import Survey

        # Survey answers reach Response/Answer only through the store's shuffled flush.
        store.register_sink("survey:", services.write_survey_batch)
        post_delete.connect(_forget_survey_answers, sender=Survey, dispatch_uid="survey-scope")
        # The home panel's shared list of surveys not yet closed (home.py).
        bump_on_writes("evaluation", Survey)


def _forget_survey_answers(sender, instance, **kwargs) -> None:
    """A deleted survey's markers and held-back answers go with it (its id may be reused)."""
    from nearpeer.anonymity import store

    store.discard(scope=f"survey:{instance.pk}")
