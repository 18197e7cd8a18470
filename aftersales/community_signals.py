"""The help search follows the information pages: a page saved in campaigns is indexed again after commit (a side
concern campaigns need not know about; deleting a page deletes its document through the foreign key)."""

from django.db import transaction
from django.db.models.signals import post_save

from campaigns.models import Creative, CreativeKind


def _page_saved(sender, instance: Creative, raw: bool = False, **kwargs) -> None:
    if raw or instance.kind != CreativeKind.INFO_PAGE:
        return
    from aftersales.services.help_search import help_index_page

    page_id = instance.pk

    def index() -> None:
        page = Creative.objects.select_related("topic").filter(pk=page_id).first()
        if page is not None:
            help_index_page(page=page)

    transaction.on_commit(index)


def connect() -> None:
    post_save.connect(_page_saved, sender=Creative, dispatch_uid="aftersales.help_index_page")
