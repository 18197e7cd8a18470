"""The HTML marketers write, cleaned before anyone sees it.

Every creative's HTML body (e-mails, information pages) goes through ``clean_html`` once its template is rendered
(``CompiledCreative.render``), so what reaches a customer's mailbox, a visitor's browser or the admin preview is
the allow-list below and nothing else, whatever was stored and whenever it was stored. The allow-list keeps what
newsletters and pages are made of: tables and their layout attributes, inline styles (a list of properties),
images (http, https, ``cid:`` and ``data:image/…``), links (http, https, ``mailto:``, ``tel:``, every one given
``rel="noopener noreferrer"``), right-to-left text (``dir``, ``lang``, ``<bdi>``, ``<bdo>``), headings and lists,
and the old e-mail tags ``<center>`` and ``<font>``. Scripts, event handlers, frames, embedded objects, forms,
``<style>`` blocks (style a newsletter inline), classes and ids never pass.

``active_content`` tells a marketer, when a creative is saved, about what could only ever be an attack or a
mistake (scripts, event handlers, frames, objects, forms), so it is refused with a clear message rather than
silently dropped.
"""

import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from django.utils.translation import gettext as _

TAGS = frozenset(
    {
        # text and structure
        "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "center",
        "cite", "code", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
        "p", "pre", "q", "s", "samp", "section", "small", "span", "strike", "strong", "sub", "summary", "sup",
        "time", "u", "ul", "var", "wbr",
        # tables, the layout of nearly every e-mail
        "table", "thead", "tbody", "tfoot", "tr", "td", "th", "col", "colgroup",
    }
)  # fmt: skip
# Removed with everything inside them (any other tag outside TAGS is removed and its text kept).
CONTENT_TAGS = frozenset(
    {
        "script", "style", "title", "noscript", "template", "iframe", "frame", "frameset", "noframes", "object",
        "embed", "applet", "svg", "math", "textarea", "select", "option", "xmp", "noembed", "plaintext",
    }
)  # fmt: skip
# On every allowed tag. No class or id: a page's own classes and ids are not the marketer's to borrow.
GENERIC_ATTRIBUTES = frozenset(
    {"style", "dir", "lang", "title", "align", "valign", "role", "aria-label", "aria-hidden"}
)
_CELL = {"width", "height", "bgcolor", "background", "colspan", "rowspan", "nowrap", "headers", "abbr"}
ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "target", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "border", "hspace", "vspace"},
    "table": {"width", "height", "border", "cellpadding", "cellspacing", "bgcolor", "background", "summary"},
    "td": _CELL,
    "th": _CELL | {"scope"},
    "tr": {"height", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "hr": {"width", "size", "color", "noshade"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "details": {"open"},
}
# CSS properties kept in style attributes: text, colour, box and table layout. Not position, z-index, transform,
# content, cursor, pointer-events, animations or anything else that moves a block over the page's own controls.
STYLE_PROPERTIES = frozenset(
    {
        "background", "background-color", "background-image", "background-position", "background-repeat",
        "background-size", "border", "border-bottom", "border-bottom-color", "border-bottom-left-radius",
        "border-bottom-right-radius", "border-bottom-style", "border-bottom-width", "border-collapse",
        "border-color", "border-left", "border-left-color", "border-left-style", "border-left-width",
        "border-radius", "border-right", "border-right-color", "border-right-style", "border-right-width",
        "border-spacing", "border-style", "border-top", "border-top-color", "border-top-left-radius",
        "border-top-right-radius", "border-top-style", "border-top-width", "border-width", "box-sizing",
        "caption-side", "clear", "color", "direction", "display", "empty-cells", "float", "font", "font-family",
        "font-size", "font-style", "font-variant", "font-weight", "height", "letter-spacing", "line-height",
        "list-style", "list-style-position", "list-style-type", "margin", "margin-bottom", "margin-left",
        "margin-right", "margin-top", "max-height", "max-width", "min-height", "min-width", "mso-hide",
        "mso-line-height-rule", "mso-table-lspace", "mso-table-rspace", "opacity", "outline", "overflow",
        "overflow-wrap", "padding", "padding-bottom", "padding-left", "padding-right", "padding-top",
        "table-layout", "text-align", "text-decoration", "text-indent", "text-transform", "unicode-bidi",
        "vertical-align", "white-space", "width", "word-break", "word-spacing", "word-wrap",
    }
)  # fmt: skip
# Schemes nh3 lets through in any address; the filter below narrows them per attribute.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid", "data"})
LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
IMAGE_SCHEMES = ("http:", "https:", "cid:")
# Inline images: raster formats only (an SVG is a document of its own).
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|jpg|webp|avif|bmp);", re.IGNORECASE)
_URL_BLANKS = re.compile(r"[\x00-\x20\x7f]+")
# Where an address sits, per tag; all other attributes hold no address.
_ADDRESSES = {("a", "href"), ("img", "src"), ("td", "background"), ("th", "background"), ("table", "background")}
_CITES = {"cite"}


def _scheme_of(value: str) -> str:
    """An address as a browser reads it (blanks and controls removed), lower case, for checking its scheme."""
    return _URL_BLANKS.sub("", value).lower()


def _style_runs_something(style: str) -> bool:
    """Whether a style attribute holds what has no business there in any browser, old or new (IE's expression(),
    script addresses in url(), bindings, imports). Plain substring tests: this runs for every style attribute of
    every message sent."""
    low = style.lower()
    return "expression" in low or "script:" in low or "behavior" in low or "binding" in low or "@import" in low


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's last word on each attribute: the value to keep, or None to drop the attribute."""
    if name == "style":
        return None if _style_runs_something(value) else value
    if (tag, name) in _ADDRESSES or name in _CITES:
        url = _scheme_of(value)
        if ":" not in url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
            return value  # relative: no scheme to run
        if tag == "a":
            return value if url.startswith(LINK_SCHEMES) else None
        if url.startswith(IMAGE_SCHEMES) or (tag == "img" and _DATA_IMAGE.match(url)):
            return value
        return None
    if name == "target":
        return "_blank"
    return value


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(CONTENT_TAGS),
        attributes={"*": set(GENERIC_ATTRIBUTES), **ATTRIBUTES},
        attribute_filter=_attribute,
        link_rel="noopener noreferrer",
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        strip_comments=True,
    )


def clean_html(html: str) -> str:
    """Marketer HTML reduced to the allow-list: safe to show in a page and to send."""
    if not html:
        return ""
    return _cleaner().clean(html)


_HREF = re.compile(r'href="([^"]*)"')


@lru_cache(maxsize=4096)
def cleaned_href(written: str) -> str:
    """A link address as the cleaned HTML writes it, given the way a creative wrote it (quoted or not, raw ``&`` or
    ``&amp;``): the same parser reads both, so ``?a=1&region=eu`` and ``?a=1&amp;region=eu`` come out the same.
    "" for an address the cleaner drops."""
    quote = "'" if '"' in written else '"'
    found = _HREF.search(clean_html(f"<a href={quote}{written}{quote}></a>"))
    return found.group(1) if found else ""


def href_value(written: str) -> str:
    """The address a browser follows for a link written so in a creative (entities decoded as HTML decodes them in
    an attribute: ``&amp;`` is ``&``, while the raw ``&region=`` of ``?a=1&region=eu`` stays as it is)."""
    return cleaned_href(written).replace("&quot;", '"').replace("&nbsp;", "\xa0").replace("&amp;", "&")


def href_written(value: str) -> str:
    """An address as the cleaned HTML writes it in an attribute (what HTML serialisation escapes there)."""
    return value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace('"', "&quot;")


# Refused when a creative is saved: they never work in an e-mail, and in a page they are an attack.
ACTIVE_TAGS = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "select",
        "textarea", "base",
    }
)  # fmt: skip


class _ActiveContent(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS and tag not in self.tags:
            self.tags.append(tag)
        for name, _value in attrs:
            if name.startswith("on") and name not in self.handlers:
                self.handlers.append(name)

    handle_startendtag = handle_starttag


def active_content(source: str) -> list[str]:
    """Why an HTML body is refused: the scripts, event handlers, frames, objects and forms it holds."""
    finder = _ActiveContent()
    finder.feed(source or "")
    finder.close()
    problems = [
        _("“<%(tag)s>” is not allowed: scripts, frames, embedded objects and forms never reach customers.")
        % {"tag": tag}
        for tag in finder.tags
    ]
    problems += [
        _("The attribute “%(name)s” is not allowed: event handlers never reach customers.") % {"name": name}
        for name in finder.handlers
    ]
    return problems
