"""Admin building blocks for big tables and for names typed in Persian or Arabic; later stages may reuse them."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Arabic and Persian keyboards give different code points for the same letters, and three sets of digits.
_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "٠": "۰", "١": "۱", "٢": "۲", "٣": "۳", "٤": "۴",
                             "٥": "۵", "٦": "۶", "٧": "۷", "٨": "۸", "٩": "۹"})  # fmt: skip
_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك", "۰": "٠", "۱": "١", "۲": "٢", "۳": "٣", "۴": "٤", "۵": "٥",
                            "۶": "٦", "۷": "٧", "۸": "٨", "۹": "٩"})  # fmt: skip
_TO_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def spelling_variants(term: str) -> list[str]:
    """The search term as typed, with Persian letters, with Arabic letters and with Latin digits."""
    variants = [term, term.translate(_TO_PERSIAN), term.translate(_TO_ARABIC), term.translate(_TO_LATIN_DIGITS)]
    return list(dict.fromkeys(variants))


class BoundedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (… LIMIT cap)``) so a page view stays cheap
    however big the table grows; past the cap, narrow the list with a filter or a search."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self):
        try:
            return self.object_list.order_by()[: self.COUNT_CAP].count()
        except (AttributeError, TypeError):
            return len(self.object_list)


class BigTableAdminMixin:
    """A changelist that never counts every row of its table."""

    show_full_result_count = False
    paginator = BoundedCountPaginator
    list_per_page = 50


class BilingualSearchMixin:
    """Search names as typed and in the other script: ي/ك find ی/ک and back, ۱۲۳ and ١٢٣ find 123."""

    def get_search_results(self, request, queryset, search_term):
        variants = spelling_variants(search_term) if search_term else [search_term]
        results, duplicates = super().get_search_results(request, queryset, variants[0])
        for variant in variants[1:]:
            more, more_duplicates = super().get_search_results(request, queryset, variant)
            results, duplicates = results | more, duplicates or more_duplicates
        return results, duplicates
