from django_tasks import task

from . import services


@task()
def send_held_series_notices() -> int:
    """Announce the series cancellations whose undo time is over (see services)."""
    return services.send_held_series_notices()
