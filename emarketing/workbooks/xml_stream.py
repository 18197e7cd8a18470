"""The XML of a workbook's parts, streamed through expat: no tree, no document type, no entities, no long tokens."""

from collections.abc import Callable, Iterator
from xml.parsers import expat

from django.utils.translation import gettext as _

from emarketing.table_limits import LimitExceeded, TableProblem, size_text

from .archive import Part

CHUNK = 64 * 1024  # bytes of XML read from the archive and handed to the parser at a time
XML_TOKEN_MAX = 256 * 1024  # the longest tag, comment or instruction (text is streamed, whatever its length)


class Stop(Exception):
    """Enough of a part has been read."""


def xml_declarations(part: str) -> TableProblem:
    message = _(
        "The workbook part %(part)s declares a document type or XML entities, which an import refuses: they can "
        "expand without end or read files of the server."
    )
    return TableProblem(message % {"part": part})


StartHandler = Callable[[str, dict[str, str]], None]


def parse_steps(
    part: Part,
    start: StartHandler,
    end: Callable[[str], None] | None = None,
    data: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Stream ``part`` through expat with the handlers given, one step a chunk; no document type, no entities,
    no long tokens. A handler may raise :class:`Stop` when it has read what it needs."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK

    def refuse(*_args: object) -> None:
        raise xml_declarations(part.name)

    def refuse_reference(*_args: object) -> int:
        raise xml_declarations(part.name)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_reference
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if data is not None:
        parser.CharacterDataHandler = data
    fed = 0
    try:
        while chunk := part.read(CHUNK):
            # Whole chunks: expat (before 2.6) scans a token cut between two feeds again from its start at each
            # feed, so smaller feeds would make a long token cost its length squared.
            parser.Parse(chunk, False)
            yield
            fed += len(chunk)
            if fed - parser.CurrentByteIndex > XML_TOKEN_MAX:
                message = _("The workbook part %(part)s holds an XML tag or comment longer than %(limit)s.")
                raise LimitExceeded(message % {"part": part.name, "limit": size_text(XML_TOKEN_MAX)})
        parser.Parse(b"", True)
        yield
    except Stop:
        return
    except expat.ExpatError as error:
        message = _("The workbook is damaged: its part %(part)s is not well-formed XML (line %(line)s).")
        raise TableProblem(message % {"part": part.name, "line": error.lineno}) from error
    finally:
        part.close()


def parse(
    part: Part,
    start: StartHandler,
    end: Callable[[str], None] | None = None,
    data: Callable[[str], None] | None = None,
) -> None:
    for _step in parse_steps(part, start, end, data):
        pass


def local_name(name: str) -> str:
    """A tag or attribute without its namespace prefix (``x:row`` → ``row``)."""
    return name.rpartition(":")[2] if ":" in name else name
