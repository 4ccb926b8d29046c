"""The layer model: enumerations with their Chinese labels, required fields, validation.

This module is the single source of truth for codes and labels. Everything else (analyses,
map legends, forms, YAML standards) refers to the codes defined here.

``validate_layer(kind, gdf)`` normalises a frame read from any file into the canonical
form — codes instead of labels, proper dtypes, EPSG:4326 — or raises one
:class:`~geo.errors.InputError` that lists every problem at once, with row numbers and
column names, so a planner can fix the source file in one pass.

Headers and values are compared *folded* (:func:`fold_header`, :func:`fold_text`): Unicode
NFKC (full-width letters, digits and brackets become half-width, ㎡ becomes m2), case,
spaces, underscores and hyphens ignored; a header's trailing bracket (``产值（万元）``,
``面积[㎡]``) is set apart as its unit. A header with a unit matches a field only when the
unit is the field's own (``用地面积(公顷)`` is not ``area_m2``, whose unit is m²).

Numbers written as text are read by one rule in :func:`check_field`: full-width digits,
thousands separators (``1,234.5``, ``1 234``) and a trailing unit that is the field's own
(``1234㎡`` for an area, ``12.5万元`` for output) are accepted; any other text, NaN written
as text and ±inf are refused by row.
"""

from layers.schema._codes import (
    BARRIER_KINDS,
    CLUSTER,
    CONSTRAINT_KIND,
    DENSITY_ZONES,
    INDUSTRIAL_LAND_USES,
    LAND_USE,
    PARK_KIND,
    STATUS,
    Code,
    CodeList,
)
from layers.schema._fields import (
    FieldProblem,
    cell_text,
    check_field,
    normalise_value,
    read_yes_no,
)
from layers.schema._headers import (
    UNIT_SPELLINGS,
    fold_header,
    fold_text,
    header_unit,
    match_headers,
    split_header,
)
from layers.schema._specs import (
    FAR_MAX,
    LAYER_KINDS,
    LAYER_SPECS,
    Field,
    LayerSpec,
    required_fields,
)
from layers.schema._validate import measured_area_m2, validate_layer

__all__ = [
    "BARRIER_KINDS",
    "CLUSTER",
    "CONSTRAINT_KIND",
    "DENSITY_ZONES",
    "FAR_MAX",
    "INDUSTRIAL_LAND_USES",
    "LAND_USE",
    "LAYER_KINDS",
    "LAYER_SPECS",
    "PARK_KIND",
    "STATUS",
    "UNIT_SPELLINGS",
    "Code",
    "CodeList",
    "Field",
    "FieldProblem",
    "LayerSpec",
    "cell_text",
    "check_field",
    "fold_header",
    "fold_text",
    "header_unit",
    "match_headers",
    "measured_area_m2",
    "normalise_value",
    "read_yes_no",
    "required_fields",
    "split_header",
    "validate_layer",
]
