from __future__ import annotations

from django.db import transaction

from comments.models import Comment
from lab.models import SimulationRun


def simulation_delete(*, run: SimulationRun) -> int:
    """Delete a simulation run with every comment it generated (their audit rows and reports go with them).

    Returns how many comments were deleted. Readers' comments are never touched: only the run's own.
    """
    with transaction.atomic():
        count = Comment.objects.filter(simulation=run).count()
        run.delete()  # the run's comments cascade, and their events and reports with them
    return count
