"""Departments: needs and tickets handed over with a due date, each department's own queue, the report back when
done, overdue handovers on the cycle board."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aftersales.models import TicketHandover
from aftersales.services.handovers import ticket_hand_over, ticket_handover_done
from customers.models import Department, Need, NeedCategory, NeedHandover, NeedSource
from customers.services import need_hand_over, need_handover_done
from tests.aftersales.factories import TicketFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _need(title="Faster delivery to Mashhad"):
    return Need.objects.create(title=title, query=title, category=NeedCategory.DELIVERY, source=NeedSource.MARKETER)


@pytest.fixture
def logistics():
    department = Department.objects.create(
        name="Logistics", name_fa="لجستیک", name_ar="اللوجستيات", email="log@example.com"
    )
    department.members.add(UserFactory(username="reza", email="reza@example.com", is_staff=True))
    return department


@pytest.fixture
def finance():
    return Department.objects.create(name="Finance", name_fa="مالی", name_ar="المالية")


def _today():
    return timezone.localdate()


def test_a_need_handed_over_tells_the_department_and_the_one_who_handed_it_hears_back(
    logistics, django_capture_on_commit_callbacks
):
    marketer = UserFactory(username="sara", email="sara@example.com", is_staff=True)
    need = _need()
    with django_capture_on_commit_callbacks(execute=True):
        handover = need_hand_over(need=need, department=logistics, due_on=_today() + dt.timedelta(days=7), by=marketer)
    assert sorted(mail.outbox[0].to) == ["log@example.com", "reza@example.com"]
    assert "Faster delivery to Mashhad" in mail.outbox[0].subject
    with pytest.raises(ValidationError):  # one department at a time
        need_hand_over(need=need, department=logistics, due_on=_today(), by=marketer)
    worker = logistics.members.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert need_handover_done(handover=handover, by=worker, outcome="A second courier from May.") is True
    handover.refresh_from_db()
    assert handover.done_by == worker and handover.done_at is not None
    assert mail.outbox[-1].to == ["sara@example.com"]
    assert "A second courier from May." in mail.outbox[-1].body
    assert need_handover_done(handover=handover, by=worker) is False  # done once
    need_hand_over(need=need, department=logistics, due_on=_today(), by=marketer)  # done: it may go again


def test_a_ticket_done_tells_its_assignee(logistics, django_capture_on_commit_callbacks):
    agent = UserFactory(username="nima", email="nima@example.com", is_staff=True)
    ticket = TicketFactory(assigned_to=agent, subject="Refund for a broken kettle")
    handover = ticket_hand_over(ticket=ticket, department=logistics, due_on=_today(), by=None, note="Pick it up")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_handover_done(handover=handover, by=logistics.members.get(), outcome="Collected")
    assert mail.outbox[-1].to == ["nima@example.com"]


def test_a_due_day_in_the_past_is_refused_and_nothing_is_handed(logistics):
    with pytest.raises(ValidationError) as error:
        need_hand_over(need=_need(), department=logistics, due_on=_today() - dt.timedelta(days=1))
    assert "past" in " ".join(error.value.messages)
    assert NeedHandover.objects.count() == 0


def test_overdue_only_after_the_due_day(logistics):
    handover = need_hand_over(need=_need(), department=logistics, due_on=_today())
    assert not handover.is_overdue(today=_today())
    assert handover.is_overdue(today=_today() + dt.timedelta(days=1))
    NeedHandover.objects.filter(pk=handover.pk).update(due_on=_today() - dt.timedelta(days=1))
    handover.refresh_from_db()
    assert handover.is_overdue()


def test_a_department_queue_shows_only_its_own_open_items_overdue_first(client, logistics, finance):
    late = need_hand_over(need=_need("Late one"), department=logistics, due_on=_today())
    NeedHandover.objects.filter(pk=late.pk).update(due_on=_today() - dt.timedelta(days=3))
    ticket_hand_over(
        ticket=TicketFactory(subject="Kettle"), department=logistics, due_on=_today() + dt.timedelta(days=1)
    )
    done = need_hand_over(need=_need("Done one"), department=logistics, due_on=_today())
    need_handover_done(handover=done)
    need_hand_over(need=_need("Finance's"), department=finance, due_on=_today())
    client.force_login(logistics.members.get())
    page = client.get(reverse("dashboards:department", args=[logistics.pk]))
    titles = [item.title for item in page.context["items"]]
    assert titles[0] == "Late one" and page.context["items"][0].overdue
    assert any("Kettle" in t for t in titles)
    assert "Finance's" not in titles and "Done one" not in titles
    assert client.get(reverse("dashboards:department", args=[finance.pk])).status_code == 403  # not a member


@pytest.mark.parametrize(("language", "name"), [("en", "Logistics"), ("fa", "لجستیک"), ("ar", "اللوجستيات")])
def test_queue_pages_render_in_every_language(client, logistics, language, name):
    need_hand_over(need=_need(), department=logistics, due_on=_today())
    manager = UserFactory(username="mina", is_staff=True)
    manager.groups.add(Group.objects.get(name="Managers"))
    client.force_login(manager)
    for url in (reverse("dashboards:departments"), reverse("dashboards:department", args=[logistics.pk])):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert name in response.content.decode()


def test_the_cycle_board_counts_handed_done_and_overdue(manager_client, logistics):
    late = need_hand_over(need=_need("Late one"), department=logistics, due_on=_today())
    NeedHandover.objects.filter(pk=late.pk).update(due_on=_today() - dt.timedelta(days=1))
    on_time = ticket_hand_over(ticket=TicketFactory(), department=logistics, due_on=_today())
    ticket_handover_done(handover=on_time)
    board = manager_client.get(reverse("dashboards:cycle")).context["board"]
    figures = {str(label): value for label, value, _hint in board.figures}
    assert figures["Handed to departments in the period"] == 2
    assert figures["Done by departments in the period"] == 1
    assert figures["Handovers overdue now"] == 1
    assert [row[0] for row in board.table("overdue_handovers").rows] == ["Late one"]
    assert TicketHandover.objects.filter(done_at__isnull=False).count() == 1


def test_the_admin_action_hands_needs_over_and_says_which_were_already_with_a_department(admin_client, logistics):
    first, second = _need("One"), _need("Two")
    need_hand_over(need=second, department=logistics, due_on=_today())
    url = reverse("admin:customers_need_changelist")
    form = admin_client.post(url, {"action": "hand_to_department", "_selected_action": [first.pk, second.pk]})
    assert form.status_code == 200 and "Hand over" in form.content.decode()
    response = admin_client.post(
        url,
        {
            "action": "hand_to_department",
            "_selected_action": [first.pk, second.pk],
            "apply": "1",
            "department": logistics.pk,
            "due_on": (_today() + dt.timedelta(days=5)).isoformat(),
        },
        follow=True,
    )
    text = response.content.decode()
    assert "already with a department" in text
    assert NeedHandover.objects.filter(need=first, done_at__isnull=True).count() == 1
    queue = admin_client.get(reverse("admin:customers_needhandover_changelist"))
    assert queue.status_code == 200
