"""E-mail templates over a customer's data, in a sandbox.

Creatives are written in the Django template language, but rendered by an engine of their own that loads no
file and sees only a restricted context built of plain dicts and strings: the customer's first and last name,
their occasions and the campaign's recommended products. A template is checked when the creative is saved:
a variable or field that is not on the whitelist, a tag other than ``if``/``for``/``comment`` or a filter
outside a short list is refused then, not when the e-mail goes out. So are scripts, event handlers, frames and
forms (``campaigns.html.active_content``); and whatever a stored body holds, the HTML it renders is cleaned to an
allow-list (``campaigns.html.clean_html``) every time it is shown or sent.
"""

import html as htmllib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, TypeAlias

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, ForNode, IfNode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.html import active_content, clean_html, href_value

OBJECT_FIELDS = {
    "customer": {"first_name", "last_name"},
    # Set for occasion offers only; empty otherwise.
    "occasion": {"kind", "label", "month", "day"},
}
LIST_FIELDS = {
    "occasions": {"kind", "label", "month", "day"},
    "recommended_products": {"name", "price", "currency"},
}
SCALARS = {"preferences_url", "unsubscribe_url"}
# What the creative editor's "Personalise" menu inserts: the whitelist above, as a marketer names it. A link's
# expression is the address of a link whose words are the label.
PERSONALISATION_FIELDS: tuple[tuple[str, Any, bool], ...] = (
    ("customer.first_name", gettext_lazy("First name"), False),
    ("customer.last_name", gettext_lazy("Last name"), False),
    ("occasion.label", gettext_lazy("Occasion (occasion offers only)"), False),
    ("unsubscribe_url", gettext_lazy("Unsubscribe link"), True),
    ("preferences_url", gettext_lazy("Preferences link"), True),
)
FORLOOP_FIELDS = {"counter", "counter0", "revcounter", "revcounter0", "first", "last"}
ALLOWED_FILTERS = {
    "capfirst",
    "default",
    "first",
    "floatformat",
    "length",
    "lower",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "yesno",
}
ALLOWED_NODES = (TextNode, VariableNode, IfNode, ForNode, CommentNode)
SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")
TRACKED_SCHEMES = ("http://", "https://")
# Attributes a click or a form follows: each must name a safe address.
LINK_ATTRIBUTES = {"href", "xlink:href", "action", "formaction"}
# The attribute syntax html.parser itself reads (quoted, unquoted or bare), to find the span of a value.
_ATTRIBUTE = re.compile(r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?(?:\s|/(?!>))*""")
_TAG_NAME = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*(?:\s|/(?!>))*")
# Template syntax, removed to read the markup as a browser may see it once a branch or comment is gone.
_TEMPLATE_SYNTAX = re.compile(r"\{#.*?#\}|\{%.*?%\}", re.DOTALL)
# A dangerous scheme right after an attribute's "=", once entities are decoded and blanks and controls removed.
_SCRIPT_SCHEME = re.compile(r"""=["'`]?(?:javascript|vbscript|data|livescript):""", re.IGNORECASE)
_BLANKS = re.compile(r"[\x00-\x20\x7f]+")
# What a name in a template stands for: an object with these fields, "list" or "scalar".
_Scope: TypeAlias = dict[str, set[str] | str]


@lru_cache(maxsize=2)
def _engine(autoescape: bool) -> Engine:
    return Engine(loaders=[], libraries={}, autoescape=autoescape, string_if_invalid="")


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def refuse(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def variable(self, var: object, scope: _Scope) -> None:
        if not isinstance(var, Variable) or var.lookups is None:
            return  # a literal
        name, *rest = var.lookups
        kind = scope.get(name)
        if kind is None:
            self.refuse(_("Unknown variable “%(name)s”.") % {"name": var.var})
        elif isinstance(kind, set):
            if len(rest) != 1 or rest[0] not in kind:
                self.refuse(
                    _("“%(name)s” is not available; use one of: %(fields)s.")
                    % {"name": var.var, "fields": ", ".join(f"{name}.{f}" for f in sorted(kind))}
                )
        elif kind in ("scalar", "list") and rest:
            self.refuse(_("Unknown variable “%(name)s”.") % {"name": var.var})

    def expression(self, fe: object, scope: _Scope) -> None:
        if not isinstance(fe, FilterExpression):
            return
        self.variable(fe.var, scope)
        for func, args in fe.filters:
            name = getattr(func, "_filter_name", func.__name__)
            if name not in ALLOWED_FILTERS:
                self.refuse(_("The filter “%(name)s” is not allowed.") % {"name": name})
            for is_var, arg in args:
                if is_var:
                    self.variable(arg, scope)

    def condition(self, cond: object, scope: _Scope) -> None:
        if cond is None:
            return
        value = getattr(cond, "value", None)
        if isinstance(value, FilterExpression):
            self.expression(value, scope)
        for part in (getattr(cond, "first", None), getattr(cond, "second", None)):
            if part is not None:
                self.condition(part, scope)

    def nodes(self, nodelist: Iterable[Node | str], scope: _Scope) -> None:
        for node in nodelist:
            if not isinstance(node, ALLOWED_NODES):
                token = getattr(node, "token", None)
                label = token.split_contents()[0] if token is not None else type(node).__name__
                self.refuse(_("The tag “%(name)s” is not allowed.") % {"name": label})
            elif isinstance(node, VariableNode):
                self.expression(node.filter_expression, scope)
            elif isinstance(node, IfNode):
                for cond, inner in node.conditions_nodelists:
                    self.condition(cond, scope)
                    self.nodes(inner, scope)
            elif isinstance(node, ForNode):
                self.expression(node.sequence, scope)
                seq = node.sequence.var if isinstance(node.sequence, FilterExpression) else None
                fields: set[str] | None = None
                if isinstance(seq, Variable) and seq.lookups and len(seq.lookups) == 1:
                    fields = LIST_FIELDS.get(seq.lookups[0])
                if fields is None:
                    self.refuse(_("A loop can only go over occasions or recommended_products."))
                    fields = set()
                loop_scope: _Scope = {**scope, "forloop": FORLOOP_FIELDS}
                for loopvar in node.loopvars:
                    loop_scope[loopvar] = set(fields)
                self.nodes(node.nodelist_loop, loop_scope)
                self.nodes(node.nodelist_empty, scope)


def _base_scope() -> _Scope:
    scope: _Scope = {name: set(fields) for name, fields in OBJECT_FIELDS.items()}
    scope.update(dict.fromkeys(LIST_FIELDS, "list"))
    scope.update(dict.fromkeys(SCALARS, "scalar"))
    return scope


def check_template(source: str, *, html: bool = False) -> list[str]:
    """Return the reasons ``source`` is refused (empty when it is fine)."""
    if not source:
        return []
    try:
        template = _engine(html).from_string(source)
    except TemplateSyntaxError as exc:
        return [_("The template does not parse: %(error)s") % {"error": exc}]
    checker = _Checker()
    checker.nodes(template.nodelist, _base_scope())
    if html:
        for problem in [
            *_link_problems(source),
            *active_content(source),
            *active_content(_TEMPLATE_SYNTAX.sub("", source)),
        ]:
            checker.refuse(problem)
    return checker.errors


def validate_template(source: str, *, html: bool = False) -> None:
    errors = check_template(source, html=html)
    if errors:
        raise ValidationError(errors)


def tracked_links(html_source: str) -> list[str]:
    """The http(s) addresses a creative's HTML links to, in order, without duplicates, as a browser follows them
    (quoted or not, ``&amp;`` read as ``&``): where a click is redirected to."""
    seen: list[str] = []
    for link in _links_in(html_source or ""):
        written = link.written.strip()
        if link.name == "href" and _starts_with(link.value, TRACKED_SCHEMES) and "{{" not in written:
            url = href_value(written)
            if url and url not in seen:
                seen.append(url)
    return seen


def rewrite_links(html: str, replace: Callable[[str], str | None]) -> str:
    """Replace every http(s) ``href`` for which ``replace(url)`` answers something else than None.

    The HTML is read as a browser reads it (quoted or unquoted values, entities decoded). A link attribute whose
    address is neither http(s), ``mailto:`` nor ``tel:`` becomes ``#``: nothing that runs a script ever goes out,
    whatever slipped past the check when the creative was saved.
    """
    pieces: list[str] = []
    last = 0
    for link in _links_in(html):
        new: str | None
        if _starts_with(link.value, TRACKED_SCHEMES):
            new = replace(link.written.strip()) if link.name == "href" else None
        elif _starts_with(link.value, SAFE_SCHEMES):
            new = None
        else:
            new = "#"
        if new is None:
            continue
        quote = link.quote or '"'
        pieces += [html[last : link.start], quote, htmllib.escape(new, quote=True), quote]
        last = link.end
    pieces.append(html[last:])
    return "".join(pieces)


@dataclass(frozen=True)
class _Link:
    name: str  # the attribute's name, lower case
    value: str  # what a browser reads: quotes removed, entities decoded
    written: str  # as written between the quotes
    quote: str  # the quote around it ("" when unquoted)
    start: int  # where the value, quotes included, starts and ends in the document
    end: int


class _LinkFinder(HTMLParser):
    """The link attributes of every start tag, with where each value sits in the document."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
        self.links: list[_Link] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        line, column = self.getpos()
        offset = self.line_starts[line - 1] + column
        name = _TAG_NAME.match(raw)
        k = name.end() if name else len(raw)
        while k < len(raw):
            attribute = _ATTRIBUTE.match(raw, k)
            if not attribute:
                break
            if attribute.group(2) and attribute.group(1).lower() in LINK_ATTRIBUTES:
                value = attribute.group(3)
                quoted = len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]
                written = value[1:-1] if quoted else value
                start = offset + attribute.start(3)
                self.links.append(
                    _Link(
                        name=attribute.group(1).lower(),
                        value=htmllib.unescape(written),
                        written=written,
                        quote=value[0] if quoted else "",
                        start=start,
                        end=start + len(value),
                    )
                )
            k = attribute.end()

    handle_startendtag = handle_starttag


def _links_in(markup: str) -> list[_Link]:
    finder = _LinkFinder(markup)
    finder.feed(markup)
    finder.close()
    return finder.links


_EDGE_BLANKS = "".join(map(chr, range(0x21)))


def _starts_with(value: str, schemes: tuple[str, ...]) -> bool:
    """Whether an address, read as a browser reads it (blanks and controls at the ends dropped, tabs and line
    breaks dropped anywhere), starts with one of ``schemes``."""
    url = value.strip(_EDGE_BLANKS).replace("\t", "").replace("\n", "").replace("\r", "")
    return url.lower().startswith(schemes)


def is_http_address(value: str) -> bool:
    """Whether an address is http(s) as a browser reads it (``" JaVa\tScript:"`` is not)."""
    return _starts_with(value, TRACKED_SCHEMES)


def _link_problems(source: str) -> list[str]:
    """Why the links of an HTML template are refused: every link attribute must name an http(s), ``mailto:`` or
    ``tel:`` address (or be one of the template's own address variables). The markup is read twice, as written
    and with the template's tags and comments removed (which can open or close an HTML comment), and any script
    scheme after an ``=`` is refused outright, however it is spelt."""
    problems: list[str] = []
    for markup in (source, _TEMPLATE_SYNTAX.sub("", source)):
        for link in _links_in(markup):
            value = link.value.strip()
            if value.startswith("{{") and value.endswith("}}") and value[2:-2].strip() in SCALARS:
                continue
            if not _starts_with(value, SAFE_SCHEMES):
                problem = _("Links must be http or https: “%(href)s” is refused.") % {"href": value[:80]}
                if problem not in problems:
                    problems.append(problem)
    flat = _BLANKS.sub("", htmllib.unescape(_TEMPLATE_SYNTAX.sub("", source)))
    if not problems and _SCRIPT_SCHEME.search(flat):
        problems.append(_("Links must be http or https: a script address is refused."))
    return problems


class CompiledCreative:
    """A creative's three templates parsed once, rendered for many customers."""

    def __init__(self, *, subject: str, html_body: str, text_body: str, preheader: str = "") -> None:
        self.subject = _engine(False).from_string(subject or "")
        self.preheader = _engine(False).from_string(preheader) if preheader else None
        self.html = _engine(True).from_string(html_body) if html_body else None
        self.text = _engine(False).from_string(text_body or "")
        # The last HTML cleaned and what it became: a newsletter that reads the same for every customer (links are
        # tracked after cleaning) is cleaned once per batch, not once per message.
        self._cleaned: tuple[str, str] = ("", "")

    @classmethod
    def of(cls, creative: Any) -> "CompiledCreative":
        """A creative's templates (anything with ``subject``, ``preheader``, ``html_body`` and ``text_body``)."""
        return cls(
            subject=creative.subject,
            html_body=creative.html_body,
            text_body=creative.text_body,
            preheader=getattr(creative, "preheader", ""),
        )

    def render(self, context: dict[str, Any]) -> tuple[str, str, str]:
        """The subject and plain text as written, and the HTML body cleaned (``campaigns.html``): whatever a
        stored creative holds, only the allow-list reaches a mailbox or a page."""
        subject = " ".join(self.subject.render(Context(context, autoescape=False)).split())
        html = self._clean(self.html.render(Context(context, autoescape=True))) if self.html is not None else ""
        text = self.text.render(Context(context, autoescape=False))
        return subject, html, text

    def _clean(self, html: str) -> str:
        last, cleaned = self._cleaned  # one read: the pair stays together even if another thread renders too
        if html != last:
            cleaned = clean_html(html)
            self._cleaned = (html, cleaned)
        return cleaned

    def render_preheader(self, context: dict[str, Any]) -> str:
        """The preheader as plain text on one line ("" when the creative has none)."""
        if self.preheader is None:
            return ""
        return " ".join(self.preheader.render(Context(context, autoescape=False)).split())
