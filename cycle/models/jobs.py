"""Who owns each scheduled job: told by e-mail when one of its runs fails for good."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """A job of the beat schedule (``emarketing/celery.py``), by its name there, with its owners.

    One row per job, made after ``migrate`` for each job of the schedule, owned at first by the
    JOBS_DEFAULT_OWNER_GROUP group; the schedule itself stays in ``celery.py``.
    """

    name = models.CharField(_("job"), max_length=200, unique=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners (staff)"), blank=True, related_name="owned_jobs"
    )
    owner_groups = models.ManyToManyField(Group, verbose_name=_("owner groups"), blank=True, related_name="owned_jobs")
    last_failure_mail_at = models.DateTimeField(
        _("owners last told of a failure"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]
        permissions = [("run_job", _("Can run a scheduled job now"))]

    def __str__(self):
        return self.name
