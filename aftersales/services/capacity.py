"""Writes of service capacity: what a team can handle."""

from django.db import transaction

from aftersales.models import ServiceTeam


@transaction.atomic
def service_team_save(
    *,
    team: ServiceTeam | None = None,
    name: str | None = None,
    tickets_per_day: int | None = None,
    chats_at_once: int | None = None,
) -> ServiceTeam:
    """Create a team (``team`` None) or change the fields given; a negative figure changes nothing."""
    team = team or ServiceTeam()
    for field, value in (("name", name), ("tickets_per_day", tickets_per_day), ("chats_at_once", chats_at_once)):
        if value is not None:
            setattr(team, field, value)
    team.full_clean()
    team.save()
    return team
