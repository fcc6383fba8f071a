from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from lab import services
from lab.models import SimulationRun


@admin.register(SimulationRun)
class SimulationRunAdmin(admin.ModelAdmin[SimulationRun]):
    """A run and everything it generated can be deleted as a whole, by a superuser: generated data is not readers'."""

    list_display = ["label", "article", "created_at", "state", "comment_count"]
    list_filter = ["state"]
    readonly_fields = [
        "label", "article", "created_at", "state", "progress", "heartbeat_at", "finished_at", "error", "task_id",
        "parameters", "report",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[SimulationRun]:
        return super().get_queryset(request).annotate(comment_total=Count("comments"))

    @admin.display(description="comments", ordering="comment_total")
    def comment_count(self, obj: SimulationRun) -> int:
        return obj.comment_total  # type: ignore[attr-defined, no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The generated comments, their audit rows and reports go with the run; readers'
        # comments can never be deleted, so no permission on them is asked for here.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def delete_model(self, request: HttpRequest, obj: SimulationRun) -> None:
        services.simulation_delete(run=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SimulationRun]) -> None:
        for run in queryset:
            services.simulation_delete(run=run)
