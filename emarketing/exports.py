"""Files the product hands out: spreadsheet cells that a spreadsheet shows but never runs."""

# What a spreadsheet reads as the start of a formula (or of a cell it would split).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    """A cell as text that a spreadsheet shows but never runs: formulas get a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`: the apostrophe an export put before a cell that looks like a formula."""
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        return text[1:]
    return text
