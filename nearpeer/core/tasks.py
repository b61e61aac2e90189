from django_tasks import task

from .jobs import execute_job


@task()
def run_job_task(job_id: int) -> str:
    """Run one queued background job (see core.jobs.execute_job); returns its status."""
    return execute_job(job_id=job_id).status
