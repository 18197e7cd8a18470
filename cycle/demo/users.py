"""The demo company's people: who signs in, with which role, and the passwords kept for them under ``var/``.

``var/demo-login.txt`` (mode 0600) holds one ``username password role`` line per login; a password once written
is kept, so the logins printed by one ``make run`` still work after the next.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify

from orders.models import Agent

AGENTS_GROUP = "Agents"
# What an agent needs in the administration: their own orders (the admin shows them no one else's), their
# lines, payments and shipments, and the customers they sell to.
AGENT_PERMISSIONS = [
    ("orders", "view_order"),
    ("orders", "add_order"),
    ("orders", "change_order"),
    ("orders", "view_orderline"),
    ("orders", "add_orderline"),
    ("orders", "change_orderline"),
    ("orders", "view_payment"),
    ("orders", "view_shipment"),
    ("customers", "view_customer"),
]


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str


def _saved(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    saved = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 1:  # the first demo kept only the superuser's password
            saved["demo"] = parts[0]
        elif len(parts) >= 2:
            saved[parts[0]] = parts[1]
    return saved


def _agents_group() -> Group:
    group, _ = Group.objects.get_or_create(name=AGENTS_GROUP)
    for app_label, codename in AGENT_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


@transaction.atomic
def demo_logins_ensure(*, path: Path, superuser: str = "demo") -> list[Login]:
    """Create (once) the superuser, a marketer, a manager and a login per agent; return them all."""
    saved = _saved(path)
    users = get_user_model().objects
    wanted: list[tuple[str, str, dict[str, bool], str | None]] = [
        (superuser, "superuser", {"is_staff": True, "is_superuser": True}, None),
        ("marketer", "marketer (group Marketers)", {"is_staff": True}, "Marketers"),
        ("manager", "manager (group Managers)", {"is_staff": True}, "Managers"),
    ]
    agents = list(Agent.objects.order_by("pk"))
    for agent in agents:
        username = agent.user.get_username() if agent.user else f"agent-{slugify(agent.name)}"[:150]
        wanted.append((username, f"agent: {agent.name} (sees only their own orders)", {"is_staff": True}, AGENTS_GROUP))
    logins = []
    for username, role, flags, group_name in wanted:
        password = saved.get(username) or secrets.token_urlsafe(12)
        user, _ = users.get_or_create(username=username, defaults={"email": f"{username}@example.com", **flags})
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if group_name:
            group = _agents_group() if group_name == AGENTS_GROUP else Group.objects.get(name=group_name)
            user.groups.add(group)
        logins.append(Login(username, password, role))
    for agent, login in zip(agents, logins[3:], strict=True):
        if agent.user_id is None:
            agent.user = users.get(username=login.username)
            agent.save(update_fields=["user"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{x.username} {x.password} {x.role}\n" for x in logins))
    path.chmod(0o600)
    return logins
