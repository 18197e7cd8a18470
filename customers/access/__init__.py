"""Right of access: everything the product holds about one customer, as one JSON document or a zip of CSV files.

Preparation owns the customer, but most of what the product holds about them belongs to the stages above it
(messages and touches, orders, tickets). Rather than reaching up to read them, preparation owns a registry of
exporters (:mod:`customers.access.registry`), and each stage registers its own in its ``AppConfig.ready()``, as
``customers.registry`` and ``campaigns.deliverability`` work. :func:`personal_data_sections` collects every
section, :func:`personal_data_file` writes them out (:mod:`customers.access.files`).
"""

from customers.access.files import CSV, FORMATS, JSON, PersonalDataFile, personal_data_file, personal_data_response
from customers.access.registry import (
    Column,
    Exporter,
    Row,
    Section,
    access_exporters,
    choice_label,
    field,
    fields,
    in_pages,
    labelled,
    personal_data_sections,
)

__all__ = [
    "CSV",
    "FORMATS",
    "JSON",
    "Column",
    "Exporter",
    "PersonalDataFile",
    "Row",
    "Section",
    "access_exporters",
    "choice_label",
    "field",
    "fields",
    "in_pages",
    "labelled",
    "personal_data_file",
    "personal_data_response",
    "personal_data_sections",
]
