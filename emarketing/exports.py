"""Files the product hands out: spreadsheet cells that a spreadsheet shows but never runs."""

# What a spreadsheet reads as the start of a formula (or of a cell it would split or run through DDE): the ASCII
# signs, their full-width forms that an input method types for Persian, Arabic, Chinese or Japanese and that some
# spreadsheets fold to ASCII (＝ ＋ － ＠ ｜), their small forms (﹦ ﹢ ﹣ ﹫), the minus sign, and control characters.
FORMULA_PREFIXES = (
    "=",
    "+",
    "-",
    "@",
    "|",
    "\t",
    "\r",
    "\n",
    "\uff1d",  # ＝ full-width equals sign
    "\uff0b",  # ＋ full-width plus sign
    "\uff0d",  # － full-width hyphen-minus
    "\uff20",  # ＠ full-width commercial at
    "\uff5c",  # ｜ full-width vertical line
    "\ufe66",  # ﹦ small equals sign
    "\ufe62",  # ﹢ small plus sign
    "\ufe63",  # ﹣ small hyphen-minus
    "\ufe6b",  # ﹫ small commercial at
    "\u2212",  # − minus sign
)


# What may stand before a formula sign and still leave it first for a spreadsheet that trims the cell: every
# Unicode space (``str.isspace``) and the invisible marks Persian and Arabic text carries (joiners, direction
# marks and isolates, the byte-order mark).
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text``: it starts with a formula sign, or with spaces or invisible marks
    before one."""
    if text.startswith(FORMULA_PREFIXES):
        return True
    lead = text.lstrip()
    while lead[:1] and (lead[:1] in _INVISIBLE or lead[:1].isspace()):
        lead = lead[1:]
    return lead.startswith(FORMULA_PREFIXES)


def escape_cell(value: object) -> str:
    """A cell as text that a spreadsheet shows but never runs: formulas get a leading apostrophe."""
    text = "" if value is None else str(value)
    if looks_like_formula(text):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`: the apostrophe an export put before a cell that looks like a formula."""
    if text[:1] == "'" and looks_like_formula(text[1:]):
        return text[1:]
    return text
