"""The journey page's picture: the steps of a version as a server-rendered SVG, each with its live counts.

Steps are laid out in rows by their depth from the first step (the longest way there: a step joined by two
branches sits below both), left to right in their order, mirrored for right-to-left languages. Every text is
escaped; no script, no external library. Counts come from :func:`campaigns.journeys.engine.journey_counts`, a
constant number of grouped queries whatever the number of customers.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_bidi, gettext

from campaigns.journeys.engine import journey_counts
from campaigns.journeys.registry import actions, conditions
from campaigns.models import JourneyStep, JourneyVersion, StepKind
from emarketing.digits import localize_digits

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 230, 96, 40, 56, 20
COLOURS = {
    StepKind.EMAIL: "#dbeafe",
    StepKind.ACTION: "#dcfce7",
    StepKind.CONDITION: "#fef9c3",
    StepKind.SPLIT: "#fef9c3",
    StepKind.EXIT: "#fee2e2",
}


def _depths(steps: list[JourneyStep], first: str) -> dict[str, int]:
    by_key = {step.key: step for step in steps}
    depth: dict[str, int] = {}

    def walk(key: str, level: int, path: frozenset[str]) -> None:
        if key not in by_key or key in path or depth.get(key, -1) >= level:
            return
        depth[key] = level
        for target in by_key[key].next or []:
            if target:
                walk(target, level + 1, path | {key})

    walk(first, 0, frozenset())
    bottom = max(depth.values(), default=-1) + 1
    for step in steps:  # steps nobody reaches are drawn below the others
        depth.setdefault(step.key, bottom)
    return depth


def _what(step: JourneyStep) -> str:
    params = step.params or {}
    if step.kind == StepKind.WAIT:
        parts = [f"{params[k]}{u}" for k, u in (("days", "d"), ("hours", "h"), ("minutes", "m")) if params.get(k)]
        return gettext("Wait %(time)s") % {"time": " ".join(parts) or "0"}
    if step.kind == StepKind.WAIT_UNTIL:
        return gettext("Wait until %(time)s local time") % {"time": params.get("time", "")}
    if step.kind == StepKind.WAIT_EVENT:
        return gettext("Wait for %(event)s") % {"event": params.get("event", "")}
    if step.kind == StepKind.CONDITION and params.get("condition") in conditions:
        return str(conditions.get(params["condition"]).label)
    if step.kind == StepKind.ACTION and params.get("action") in actions:
        return str(actions.get(params["action"]).label)
    return str(StepKind(step.kind).label)


def _branch_label(step: JourneyStep, index: int) -> str:
    if step.kind == StepKind.SPLIT:
        shares = (step.params or {}).get("shares") or []
        return f"{shares[index]}%" if index < len(shares) else ""
    if step.kind in (StepKind.CONDITION, StepKind.WAIT_EVENT) and len(step.next or []) > 1:
        return (
            gettext("yes") if index == 0 else (gettext("no") if step.kind == StepKind.CONDITION else gettext("timeout"))
        )
    return ""


def journey_svg(*, version: JourneyVersion) -> SafeString:
    steps = list(version.steps.order_by("position", "id"))
    if not steps:
        return mark_safe("")
    counts = journey_counts(version=version)
    language = get_language() or "en"
    rtl = get_language_bidi()
    depth = _depths(steps, version.first_step)
    rows: dict[int, list[JourneyStep]] = {}
    for step in steps:
        rows.setdefault(depth[step.key], []).append(step)
    widest = max(len(row) for row in rows.values())
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y
    place: dict[str, tuple[int, int]] = {}
    for level, row in rows.items():
        offset = (width - (len(row) * BOX_W + (len(row) - 1) * GAP_X)) // 2
        for i, step in enumerate(row):
            x = offset + i * (BOX_W + GAP_X)
            if rtl:
                x = width - x - BOX_W
            place[step.key] = (x, MARGIN + level * (BOX_H + GAP_Y))

    def number(value: int) -> str:
        return str(localize_digits(f"{value:,}", language))

    parts: list[str] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="journey-graph" viewBox="0 0 {} {}" width="{}" height="{}"'
            ' role="img" aria-label="{}" direction="{}" font-family="sans-serif" font-size="12">',
            width,
            height,
            width,
            height,
            gettext("The journey's steps and how many customers are at each"),
            "rtl" if rtl else "ltr",
        ),
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for step in steps:
        x, y = place[step.key]
        for index, target in enumerate(step.next or []):
            if target not in place:
                continue
            tx, ty = place[target]
            x1, y1, x2, y2 = x + BOX_W // 2, y + BOX_H, tx + BOX_W // 2, ty
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555" marker-end="url(#arrow)"/>', x1, y1, x2, y2
                )
            )
            label = _branch_label(step, index)
            if label:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" text-anchor="middle" fill="#333">{}</text>',
                        (x1 + x2) // 2,
                        (y1 + y2) // 2,
                        label,
                    )
                )
    for step in steps:
        x, y = place[step.key]
        figures = counts.get(step.pk, {})
        first_line = gettext("entered %(n)s · waiting %(w)s") % {
            "n": number(figures.get("entered", 0)),
            "w": number(figures.get("waiting", 0)),
        }
        second_line = gettext("moved on %(m)s · exited %(e)s · converted %(c)s") % {
            "m": number(figures.get("moved_on", 0)),
            "e": number(figures.get("exited", 0)),
            "c": number(figures.get("converted", 0)),
        }
        centre = x + BOX_W // 2
        parts.append(
            format_html(
                '<g class="journey-step" data-step="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="{}"'
                ' stroke="#64748b"/>'
                '<text x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" fill="#334155">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" fill="#334155">{}</text></g>',
                step.key,
                x,
                y,
                BOX_W,
                BOX_H,
                COLOURS.get(StepKind(step.kind), "#f1f5f9"),
                centre,
                y + 20,
                step.label or step.key,
                centre,
                y + 40,
                _what(step)[:40],
                centre,
                y + 62,
                first_line,
                centre,
                y + 80,
                second_line,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece above is built by format_html or is constant)
