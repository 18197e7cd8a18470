"""Writes of the marketer's content scores and tags (``campaigns.models.content``)."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import ContentDimension, ContentTag, Creative, CreativeContent


@transaction.atomic
def creative_content_score(
    *, creative: Creative, scores: Mapping[str, int | None], tags: Iterable[str] = ()
) -> CreativeContent:
    """Score a creative on the five dimensions (0–5, ``None`` for not scored) and set its tags (created as needed,
    blank names dropped). Dimensions not named keep their score. Bad input raises ``ValidationError``, nothing
    changed."""
    unknown = sorted(set(scores) - set(ContentDimension.values))
    if unknown:
        raise ValidationError(_("Unknown content dimension: %(names)s.") % {"names": ", ".join(unknown)})
    content = CreativeContent.objects.filter(creative=creative).first() or CreativeContent(creative=creative)
    for name, value in scores.items():
        setattr(content, name, value)
    content.full_clean()
    names = sorted({" ".join(t.split()) for t in tags} - {""})
    for name in names:
        ContentTag(name=name).clean_fields()  # the length; a name already there is reused
    content.save()
    content.tags.set([ContentTag.objects.get_or_create(name=name)[0] for name in names])
    return content
