"""Creative templates: only whitelisted customer data, refused when saved, never settings or secrets."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.templating import CompiledCreative, check_template
from tests.campaigns.factories import CampaignFactory, CreativeFactory


@pytest.mark.parametrize(
    "source",
    [
        "{{ customer.email }}",
        "{{ customer.password }}",
        "{{ settings.SECRET_KEY }}",
        "{{ customer.__class__ }}",
        "{% load static %}",
        "{% include 'admin/base.html' %}",
        "{% debug %}",
        "{{ customer.first_name|safe }}",
        "{% for x in customer %}{% endfor %}",
        "{% for p in recommended_products %}{{ p.cost_price }}{% endfor %}",
    ],
)
def test_what_a_template_may_not_reach_is_refused(source):
    assert check_template(source)


def test_the_whitelisted_fields_are_accepted():
    source = (
        "Dear {{ customer.first_name|title }} {{ customer.last_name }},"
        "{% if occasions %}{% for o in occasions %}{{ o.kind }} {{ o.day }}/{{ o.month }}{% endfor %}{% endif %}"
        "{% for p in recommended_products %}{{ forloop.counter }}. {{ p.name }} {{ p.price }} {{ p.currency }}"
        "{% empty %}—{% endfor %}{{ occasion.label|default:'' }}"
    )
    assert check_template(source) == []


def test_an_unknown_field_is_refused_when_the_creative_is_saved(db):
    creative = CreativeFactory.build(campaign=CampaignFactory(), subject="Hi {{ customer.nickname }}")
    with pytest.raises(ValidationError) as exc:
        creative.full_clean()
    assert "customer.nickname" in str(exc.value.message_dict["subject"])


def test_customer_data_is_escaped_in_html_but_not_in_the_subject():
    compiled = CompiledCreative(
        subject="Hi {{ customer.first_name }}", html_body="<p>{{ customer.first_name }}</p>", text_body=""
    )
    subject, html, _text = compiled.render({"customer": {"first_name": "<b>Ali</b> & co"}})
    assert subject == "Hi <b>Ali</b> & co"
    assert html == "<p>&lt;b&gt;Ali&lt;/b&gt; &amp; co</p>"
