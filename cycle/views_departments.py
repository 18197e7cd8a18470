"""The departments' queues: a staff page per department with the needs and tickets handed to it, overdue first."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from customers.models import Department
from cycle.selectors.departments import department_queue, departments_with_counts

# Managers see every queue; a department's members see their own.
MANAGERS_PERMISSION = "cycle.view_dashboards"


class DepartmentsView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    template_name = "cycle/departments/index.html"

    def test_func(self) -> bool:
        return bool(self.request.user.is_staff)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = departments_with_counts()
        if not user.has_perm(MANAGERS_PERMISSION):
            mine = set(user.departments.values_list("pk", flat=True))  # type: ignore[union-attr]
            rows = [row for row in rows if row[0].pk in mine]
        context.update(title=_("Departments"), rows=rows)
        return context


class DepartmentQueueView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    template_name = "cycle/departments/queue.html"

    def test_func(self) -> bool:
        user = self.request.user
        if not user.is_staff:
            return False
        self.department = get_object_or_404(Department, pk=self.kwargs["pk"])
        return user.has_perm(MANAGERS_PERMISSION) or self.department.members.filter(pk=user.pk).exists()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title=str(self.department),
            department=self.department,
            items=department_queue(self.department),
            today=timezone.localdate(),
        )
        return context
