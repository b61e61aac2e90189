from django_tasks import task

from .services import execute_allocation


@task()
def run_allocation_task(run_id: int) -> str:
    """Solve one queued allocation run (see services.execute_allocation); returns its status."""
    return execute_allocation(run_id=run_id).status
