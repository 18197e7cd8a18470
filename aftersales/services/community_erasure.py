"""The community's part of a customer's erasure (registered in ``customers.erasure.erasers``).

Blanked: the questions they asked (as the customer, or from one of their addresses) and the answers they wrote:
the name, the address, the text. Those questions and answers are withdrawn from the help pages and the search.
Kept: the rows themselves with their dates and status history (the community's figures count them) and the
"this helped" counts."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.models import CommunityAnswer, CommunityQuestion, HelpDocument, ModerationStatus
from aftersales.services.help_search import help_index_question
from customers.erasure import Counts, ErasureSubject

LABELS = {
    "aftersales.community_questions": _("community questions they asked: name, address and text"),
    "aftersales.community_answers": _("community answers they wrote: name and text"),
}


def erase_community(subject: ErasureSubject) -> Counts:
    questions = CommunityQuestion.objects.filter(Q(customer_id=subject.customer_id) | subject.email_q("asker_email"))
    question_ids = list(questions.values_list("pk", flat=True))
    HelpDocument.objects.filter(question_id__in=question_ids).delete()
    asked = CommunityQuestion.objects.filter(pk__in=question_ids).update(
        title="", body="", asker_name="", asker_email="", status=ModerationStatus.REJECTED
    )
    answers = CommunityAnswer.objects.filter(customer_id=subject.customer_id)
    answered_questions = set(answers.values_list("question_id", flat=True))
    answered = answers.update(body="", author_name="", status=ModerationStatus.REJECTED, is_best=False)
    if answered_questions:
        for question in CommunityQuestion.objects.filter(pk__in=answered_questions - set(question_ids)):
            help_index_question(question=question)
    return {"aftersales.community_questions": asked, "aftersales.community_answers": answered}
