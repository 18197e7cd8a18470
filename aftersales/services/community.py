"""Writes of the FAQ and the community: entries, questions, answers, moderation, the best answer and votes.

A question or answer from the public waits for a moderator; the team's answers show at once. An asker who leaves
an e-mail address and ticks the consent box becomes a lead, unless a customer already has that address: nothing
is attached to an existing customer's record on the word of an unconfirmed address.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as StaffUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import (
    PUBLIC_STATUS,
    CommunityAnswer,
    CommunityQuestion,
    FaqEntry,
    HelpfulVote,
    ModerationStatus,
)
from aftersales.services.help_search import help_index_faq, help_index_question
from customers.models import AcquisitionSource, ConsentChannel, ConsentSource, Customer
from customers.services.consent import consent_set
from customers.services.profiles_create import customer_get_or_create

User = StaffUser | AnonymousUser | None


def _staff(by: User) -> StaffUser | None:
    return by if isinstance(by, StaffUser) and by.is_authenticated else None


@transaction.atomic
def faq_entry_save(*, entry: FaqEntry) -> FaqEntry:
    """Save an FAQ entry (new or changed) and write its search documents again."""
    entry.full_clean()
    entry.save()
    help_index_faq(entry=entry)
    return entry


def _lead_from(*, email: str, name: str, language: str) -> Customer | None:
    """A new customer (a lead, consenting to e-mail) for an address no customer has; None when one has it."""
    if Customer.objects.filter(email__iexact=email).exists():
        return None
    lead, created = customer_get_or_create(
        email=email, first_name=name[:100], preferred_language=language, acquisition_source=AcquisitionSource.WEBSITE
    )
    if not created:
        return None
    consent_set(
        customer=lead,
        channel=ConsentChannel.EMAIL,
        granted=True,
        source=ConsentSource.WEB_FORM,
        note=_("Asked a question in the community"),
    )
    return lead


@transaction.atomic
def question_ask(
    *,
    title: str,
    asker_name: str,
    language: str,
    body: str = "",
    asker_email: str = "",
    wants_news: bool = False,
    topic_id: int | None = None,
    customer_id: int | None = None,
) -> CommunityQuestion:
    """A question from the public: waits for moderation. With an e-mail address and the consent box ticked, an
    unknown asker becomes a lead (the question names them); a known address changes no one's record."""
    question = CommunityQuestion(
        title=title,
        body=body,
        language=language,
        asker_name=asker_name,
        asker_email=asker_email.strip().lower(),
        wants_news=bool(wants_news and asker_email),
        topic_id=topic_id,
        customer_id=customer_id,
    )
    question.full_clean()
    if question.customer_id is None and question.wants_news:
        question.customer = _lead_from(email=question.asker_email, name=asker_name, language=language)
    question.save()
    return question


def _moderate(row: CommunityQuestion | CommunityAnswer, status: str, by: User) -> bool:
    if row.status == status:
        return False
    row.status = status
    row.moderated_at = timezone.now()
    fields = ["status", "moderated_at"]
    if isinstance(row, CommunityQuestion):
        row.moderated_by = _staff(by)
        fields.append("moderated_by")
    if isinstance(row, CommunityAnswer) and status != PUBLIC_STATUS and row.is_best:
        row.is_best = False
        fields.append("is_best")
    row.save(update_fields=fields)
    return True


@transaction.atomic
def question_approve(*, question: CommunityQuestion, by: User = None) -> bool:
    """Show a question to readers (and to the search); True when it changed."""
    changed = _moderate(question, ModerationStatus.APPROVED, by)
    if changed:
        help_index_question(question=question)
    return changed


@transaction.atomic
def question_reject(*, question: CommunityQuestion, by: User = None) -> bool:
    changed = _moderate(question, ModerationStatus.REJECTED, by)
    if changed:
        help_index_question(question=question)
    return changed


@transaction.atomic
def answer_add(
    *,
    question: CommunityQuestion,
    body: str,
    author_name: str = "",
    staff: User = None,
    customer_id: int | None = None,
) -> CommunityAnswer:
    """An answer: the team's shows at once, anyone else's waits for moderation. The public answers only a
    question that readers can see."""
    member = _staff(staff)
    if member is None and question.status != PUBLIC_STATUS:
        raise ValidationError(_("This question cannot be answered yet."))
    if member is not None and not author_name:
        author_name = member.get_full_name() or member.get_username()
    answer = CommunityAnswer(
        question=question,
        body=body,
        author_name=author_name,
        staff=member,
        customer_id=customer_id,
        status=PUBLIC_STATUS if member is not None else ModerationStatus.PENDING,
        moderated_at=timezone.now() if member is not None else None,
    )
    answer.full_clean()
    answer.save()
    if answer.status == PUBLIC_STATUS:
        help_index_question(question=question)
    return answer


@transaction.atomic
def answer_approve(*, answer: CommunityAnswer, by: User = None) -> bool:
    changed = _moderate(answer, ModerationStatus.APPROVED, by)
    if changed:
        help_index_question(question=answer.question)
    return changed


@transaction.atomic
def answer_reject(*, answer: CommunityAnswer, by: User = None) -> bool:
    changed = _moderate(answer, ModerationStatus.REJECTED, by)
    if changed:
        help_index_question(question=answer.question)
    return changed


@transaction.atomic
def answer_mark_best(*, answer: CommunityAnswer) -> bool:
    """Make ``answer`` its question's best (the one before it loses the mark); refused for an unapproved one."""
    if answer.status != PUBLIC_STATUS:
        raise ValidationError(_("Only an approved answer can be the best one."))
    if answer.is_best:
        return False
    CommunityAnswer.objects.filter(question_id=answer.question_id, is_best=True).update(is_best=False)
    answer.is_best = True
    answer.save(update_fields=["is_best"])
    return True


def voter_key(*, customer_id: int | None = None, browser_id: str = "") -> str:
    """Who votes: the customer when known, else the browser (its cookie's random id)."""
    if customer_id:
        return f"c:{customer_id}"
    if not browser_id:
        raise ValidationError(_("A vote needs a customer or a browser."))
    return f"b:{browser_id[:40]}"


@transaction.atomic
def helpful_vote(*, voter: str, faq: FaqEntry | None = None, answer: CommunityAnswer | None = None) -> bool:
    """Count one "this helped" on a published FAQ entry or a public answer; False when this voter already did."""
    if (faq is None) == (answer is None):
        raise ValidationError(_("A vote is for one FAQ entry or one answer."))
    if faq is not None and not faq.published:
        raise ValidationError(_("This entry is not published."))
    if answer is not None and (answer.status != PUBLIC_STATUS or answer.question.status != PUBLIC_STATUS):
        raise ValidationError(_("This answer is not published."))
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(faq=faq, answer=answer, voter=voter)
    except IntegrityError:
        return False
    if faq is not None:
        FaqEntry.objects.filter(pk=faq.pk).update(helped_count=F("helped_count") + 1)
    else:
        CommunityAnswer.objects.filter(pk=answer.pk).update(helped_count=F("helped_count") + 1)  # type: ignore[union-attr]
    return True
