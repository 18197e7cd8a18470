"""Public help pages: the FAQ by topic, community questions and answers, "this helped" votes, the search across FAQ,
questions and information pages, and the review page of a delivered order. Hostile ground: CSRF on every post,
a honeypot and a time check on the forms, rate limits, sizes bounded, output escaped by the templates."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from aftersales.forms_community import AnswerForm, AskForm, ReviewForm
from aftersales.models import PUBLIC_STATUS, CommunityAnswer, FaqEntry, Review
from aftersales.selectors import survey_products
from aftersales.selectors_community import (
    faq_by_topic,
    help_search,
    help_topics,
    question_public,
    questions_recent,
    reviews_published,
)
from aftersales.services import community
from aftersales.services.reviews_public import order_reviewable, review_order_from_token, review_write_for_order
from campaigns import tokens
from campaigns.models import Topic
from customers.services.needs_searched import QUERY_LIMIT, SearchHeard, needs_record_searches
from emarketing.ratelimit import allow
from orders.models import Product

BROWSER_COOKIE = "help_browser"
BROWSER_SALT = "aftersales.help.browser"
BROWSER_COOKIE_AGE = 365 * 24 * 3600


def _too_many(request, template, context=None):
    return render(request, template, {**(context or {}), "rate_limited": True}, status=429)


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _customer_id(request) -> int | None:
    """The reader, when they came from one of our e-mails (``r``, their signed preferences token)."""
    token = (request.POST.get("r") or request.GET.get("r") or "")[:200]
    if not token:
        return None
    try:
        return tokens.read_preferences_token(token)
    except tokens.BadToken:
        return None


@require_safe
def help_index(request):
    """Topics, the FAQ (of one topic when chosen) and the newest public questions: four queries in all."""
    topic = None
    slug = request.GET.get("topic", "")[:100]
    if slug:
        topic = get_object_or_404(Topic, slug=slug)
    context = {
        "topics": list(help_topics()),
        "topic": topic,
        "sections": faq_by_topic(topic=topic),
        "questions": questions_recent(topic=topic),
    }
    return render(request, "aftersales/help/index.html", context)


def help_question(request, pk):
    """A public question, its answers (the best first) and the form to answer it."""
    question = question_public(pk=pk)
    if question is None:
        return render(request, "aftersales/help/missing.html", status=404)
    form = AnswerForm(request.POST or None)
    context = {"question": question, "form": form, "answer_sent": request.GET.get("sent") == "1"}
    if request.method == "POST":
        if not allow(request, scope="help-post", limit=settings.PUBLIC_FORM_RATE_LIMIT, window=3600):
            return _too_many(request, "aftersales/help/question.html", context)
        if form.is_valid():
            try:
                community.answer_add(
                    question=question,
                    body=form.cleaned_data["body"],
                    author_name=form.cleaned_data["author_name"],
                    customer_id=_customer_id(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(reverse("aftersales:help_question", args=[pk]) + "?sent=1")
        return render(request, "aftersales/help/question.html", context, status=400)
    return render(request, "aftersales/help/question.html", context)


def help_ask(request):
    """Ask the community: the question shows once a moderator approved it."""
    form = AskForm(request.POST or None)
    if request.method == "POST":
        if not allow(request, scope="help-post", limit=settings.PUBLIC_FORM_RATE_LIMIT, window=3600):
            return _too_many(request, "aftersales/help/ask.html", {"form": form})
        if form.is_valid():
            data = form.cleaned_data
            community.question_ask(
                title=data["title"],
                body=data["body"],
                topic_id=data["topic"].pk if data["topic"] else None,
                asker_name=data["asker_name"],
                asker_email=data["asker_email"] or "",
                wants_news=data["wants_news"],
                language=_language(),
                customer_id=_customer_id(request),
            )
            return render(request, "aftersales/help/asked.html")
        return render(request, "aftersales/help/ask.html", {"form": form}, status=400)
    return render(request, "aftersales/help/ask.html", {"form": form})


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")[:300]
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
def help_vote(request):
    """ "This helped" on an FAQ entry or a public answer: once per customer, or per browser (a signed cookie)."""
    if not allow(request, scope="help-vote", limit=settings.PUBLIC_FORM_RATE_LIMIT * 6, window=3600):
        return _too_many(request, "aftersales/help/missing.html")
    faq = answer = None
    try:
        if request.POST.get("faq"):
            faq = get_object_or_404(FaqEntry, pk=int(request.POST["faq"]), published=True)
        else:
            answer = get_object_or_404(
                CommunityAnswer.objects.select_related("question"),
                pk=int(request.POST.get("answer", "")),
                status=PUBLIC_STATUS,
            )
    except ValueError:
        return render(request, "aftersales/help/missing.html", status=404)
    browser = request.get_signed_cookie(BROWSER_COOKIE, default="", salt=BROWSER_SALT)
    new_browser = not browser
    if new_browser:
        browser = secrets.token_hex(16)
    try:
        community.helpful_vote(
            voter=community.voter_key(customer_id=_customer_id(request), browser_id=browser), faq=faq, answer=answer
        )
    except ValidationError:
        return render(request, "aftersales/help/missing.html", status=404)
    fallback = faq.get_absolute_url() if faq else answer.question.get_absolute_url()  # type: ignore[union-attr]
    response = HttpResponseRedirect(_back(request, fallback))
    if new_browser:
        response.set_signed_cookie(
            BROWSER_COOKIE,
            browser,
            salt=BROWSER_SALT,
            max_age=BROWSER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _search_id() -> int:
    # A number of its own for each search, so the needs board counts each search that found nothing once.
    return secrets.randbits(63)


@require_safe
def help_search_page(request):
    """Search FAQ, questions and information pages; a search that finds nothing becomes a want on the needs
    board (counted again each time someone searches it)."""
    query = " ".join(request.GET.get("q", "")[: QUERY_LIMIT * 2].split())[:QUERY_LIMIT]
    context = {"query": query, "results": [], "searched": bool(query)}
    if query:
        if not allow(request, scope="help-search", limit=settings.HELP_SEARCH_RATE_LIMIT, window=60):
            return _too_many(request, "aftersales/help/search.html", context)
        results = help_search(query=query, language=_language())
        context["results"] = results
        if not results:
            needs_record_searches(
                searches=[
                    SearchHeard(
                        query=query,
                        search_id=_search_id(),
                        customer_id=_customer_id(request),
                        searched_at=timezone.now(),
                    )
                ]
            )
    return render(request, "aftersales/help/search.html", context)


def review_write(request, token):
    """The review page of one delivered order (its signed link), in the customer's language: one review per
    product, published only when the customer ticks the box and a moderator agrees."""
    order = review_order_from_token(token)
    if order is None:
        return render(request, "aftersales/survey_invalid.html", status=404)
    with translation.override(order.customer.preferred_language):
        return _review_write(request, order, token)


def _review_write(request, order, token):
    reviewed = set(Review.objects.filter(order=order).values_list("product_id", flat=True))
    products = [p for p in survey_products(order=order) if p.pk not in reviewed]
    delivered = order_reviewable(order)
    form = ReviewForm(request.POST or None, products=products)
    context = {
        "order": order,
        "form": form,
        "products": products,
        "delivered": delivered,
        "reviewed_count": len(reviewed),
        "sent": request.GET.get("sent") == "1",
    }
    if request.method == "POST" and delivered and products:
        if not allow(request, scope="review", limit=settings.PUBLIC_FORM_RATE_LIMIT, window=3600):
            return _too_many(request, "aftersales/reviews/write.html", context)
        if form.is_valid():
            data = form.cleaned_data
            try:
                review_write_for_order(
                    order=order,
                    product=data["product"],
                    rating=data["rating"],
                    title=data["title"],
                    body=data["body"],
                    consent_to_publish=data["consent_to_publish"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(reverse("aftersales:review_write", args=[token]) + "?sent=1")
        return render(request, "aftersales/reviews/write.html", context, status=400)
    return render(request, "aftersales/reviews/write.html", context)


@require_safe
def product_reviews(request, sku):
    """A product's published reviews (those whose writers agreed to publication)."""
    product = get_object_or_404(Product, sku=sku[:64])
    reviews = reviews_published(product=product)
    ratings = [r.rating for r in reviews]
    average = round(sum(ratings) / len(ratings), 1) if ratings else None
    return render(
        request, "aftersales/reviews/product.html", {"product": product, "reviews": reviews, "average": average}
    )
