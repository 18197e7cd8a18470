"""Links in a creative's HTML: however a script address is written, it is refused when saved and never sent."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Link
from campaigns.services import links_sync
from campaigns.services.sending.render import render_for
from campaigns.templating import CompiledCreative, check_template, rewrite_links, tracked_links
from tests.campaigns.factories import CampaignFactory, CreativeFactory

SCRIPT_LINKS = [
    "<a href=javascript:alert(1)>x</a>",
    "<a href=JAVASCRIPT:alert(document.cookie)>x</a>",
    '<a href = "JaVaScRiPt:alert(1)">x</a>',
    "<a href\n=\n'javascript:alert(1)'>x</a>",
    '<a href="java&#x73;cript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java&Tab;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<a/href=javascript:alert(1)>x</a>",
    '<a href="https://shop.example.com/" href="javascript:alert(1)">x</a>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    # A template comment that opens an HTML comment in the source only: the rendered link is live.
    "{# <!-- #} <a href=javascript:alert(1)>x</a> -->",
]


@pytest.mark.parametrize("source", SCRIPT_LINKS)
def test_a_script_address_is_refused_however_it_is_written(source):
    assert check_template(source, html=True)


@pytest.mark.parametrize(
    "source",
    [
        '<a href="https://shop.example.com/offer">x</a>',
        "<a href=https://shop.example.com/offer?x=1>x</a>",
        "<a href='HTTP://shop.example.com/'>x</a>",
        '<a href="mailto:help@example.com">x</a>',
        '<a href="tel:+982100000000">x</a>',
        '<a href="{{ unsubscribe_url }}">x</a>',
        "<p>Our data: safe. java{# #}script is only a word here.</p>",
    ],
)
def test_web_mail_and_phone_links_are_accepted(source):
    assert check_template(source, html=True) == []


def test_a_creative_with_an_unquoted_script_link_is_not_saved(db):
    creative = CreativeFactory.build(campaign=CampaignFactory(), html_body="<a href=javascript:alert(1)>Offer</a>")
    with pytest.raises(ValidationError) as raised:
        creative.full_clean()
    assert "html_body" in raised.value.message_dict


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", " JaVa\tScRiPt:alert(1)", "data:text/html,x", "ftp://x.example/"]
)
def test_a_stored_link_or_target_must_be_http(db, url):
    with pytest.raises(ValidationError):
        Link(campaign=CampaignFactory(), url=url).full_clean()
    with pytest.raises(ValidationError):
        CreativeFactory.build(campaign=CampaignFactory(), target_url=url).full_clean(exclude=["campaign"])


def test_unquoted_and_quoted_http_links_are_both_tracked():
    html = '<a href=https://a.example/x>a</a> <a href="https://b.example/y?q=1&amp;r=2">b</a> <a href=https://a.example/x>again</a>'

    # As a browser follows them: where a click is redirected to.
    assert tracked_links(html) == ["https://a.example/x", "https://b.example/y?q=1&r=2"]
    rewritten = rewrite_links(html, lambda url: "https://t.example/c/1:sig/")
    assert rewritten.count('href="https://t.example/c/1:sig/"') == 3
    assert "a.example" not in rewritten and "b.example" not in rewritten


def test_a_script_link_that_reached_the_sending_stage_is_never_tracked_nor_sent():
    html = '<a href=javascript:alert(1)>a</a> <a href="java&#x73;cript:x">b</a> <a href="mailto:x@example.com">m</a>'
    asked: list[str] = []

    rewritten = rewrite_links(html, lambda url: asked.append(url) or "https://t.example/c/1:sig/")

    assert asked == [] and tracked_links(html) == []
    assert "script" not in rewritten.lower().replace("&#x73;", "s")
    assert rewritten.count('href="#"') == 2 and 'href="mailto:x@example.com"' in rewritten


def test_an_unquoted_link_goes_out_through_the_click_endpoint(db):
    creative = CreativeFactory(html_body="<p><a href=https://shop.example.com/offer>Offer</a></p>")
    links = links_sync(campaign=creative.campaign)
    assert list(links) == ["https://shop.example.com/offer"]

    rendered = render_for(
        compiled=CompiledCreative.of(creative),
        context={},
        customer_id=1,
        campaign_id=creative.campaign_id,
        creative_id=creative.pk,
        language="en",
        links=links,
    )

    assert "/t/c/" in rendered.html
    assert 'href="https://shop.example.com/offer"' not in rendered.html and "href=https://shop" not in rendered.html
