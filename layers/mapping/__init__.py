"""The field-mapping step of an import: which file column is which field, which file value
is which code, and what is filled, derived or generated where the file has nothing.

Files reach a planner in the shape of the office that made them (a 现状调查 Shapefile with
地块编号/现状/用地性质/用地面积, a firm list from the statistics bureau with
企业名称/产业类别/产值（万元） and no id). This module proposes how such a file becomes a
layer, the page shows the proposal, the planner corrects it, and :func:`apply_mapping`
carries it out; :func:`layers.schema.validate_layer` then checks the result as usual.

Method
------
- **Columns** (:func:`suggest_mapping`). First by header, with the schema's one header rule
  (:func:`layers.schema.match_headers`, also used by ``validate_layer``): the exact field
  name, then the folded name, then an alias; headers are compared after NFKC (full- and
  half-width alike), case, spaces and underscores folded, and a bracketed unit such as
  （万元） set apart, which must be the field's own unit. Then, for code and yes/no
  fields still without a column, by the values: a column whose non-blank cells are at
  least :data:`VALUE_SHARE` (80 %) recognisable — as codes by :func:`suggest_value_mapping`,
  as yes/no by :func:`layers.schema.read_yes_no` — is proposed; the best share wins, then
  the larger share of exact code/label/alias matches, then a required field before an
  optional one, then schema order, then header text. A column serves one field at most;
  no rule depends on the order of the columns.
- **Values** (:func:`suggest_value_mapping`), for each distinct file value of a code field:
  an exact code, label or alias (:meth:`~layers.schema.CodeList.normalise`); else the
  content of a trailing bracket, then the text before it (工业用地(M1) → ``M1``); else the
  one code whose label or alias the value contains (低效工业厂房 contains 低效 →
  ``low_efficiency``), where a term found inside a longer term found at the same place
  counts as the longer one (新能源汽车零部件 → ``car``, not ``energy``), Latin terms only
  as whole words, and a value more than :data:`CONTAINMENT_EXTRA_CHARS` longer than the
  term (a company name) matches nothing; two codes contained, or none, give None: the
  planner chooses.
- **Applying** (:func:`apply_mapping`): chosen columns renamed to field names (no other
  column dropped or changed); code values replaced through the value mapping (values
  left unmapped stay as they are, so ``validate_layer`` reports them by row); derivations
  the planner accepted (``far_current`` = ``gfa_current_m2`` / area, the area from
  ``area_m2`` or measured in EPSG:4547 by :func:`layers.schema.measured_area_m2`); the
  constants the planner stated, in blank cells only; ids generated for rows without one
  (``P000001`` …, ``E000001`` …, never one already used). ``gfa_current_m2`` from FAR ×
  area and a missing ``area_m2`` are left to ``validate_layer``, which derives them; the
  park of each feature to :mod:`layers.zoning`. Every change, and what validation will
  derive, is reported in a bilingual :class:`MappingNote` with its row count.
- **Saved mappings** live in ``<workspace>/mappings/<name>.json``, written beside the
  target and renamed into place; :func:`mappings_for` offers those saved for a file with
  the same set of headers and the same layer kind.
"""

from layers.mapping._apply import ID_PREFIXES, MappingNote, apply_mapping
from layers.mapping._check import check_mapping, missing_fields, require_complete
from layers.mapping._model import DERIVABLE, FieldMapping, propose_mapping
from layers.mapping._store import (
    MAPPINGS_FOLDER,
    SavedMapping,
    delete_mapping,
    list_mappings,
    load_mapping,
    mappings_for,
    save_mapping,
)
from layers.mapping._suggest import (
    CONTAINMENT_EXTRA_CHARS,
    VALUE_SHARE,
    suggest_mapping,
    suggest_value_mapping,
)

__all__ = [
    "CONTAINMENT_EXTRA_CHARS",
    "DERIVABLE",
    "ID_PREFIXES",
    "MAPPINGS_FOLDER",
    "VALUE_SHARE",
    "FieldMapping",
    "MappingNote",
    "SavedMapping",
    "apply_mapping",
    "check_mapping",
    "delete_mapping",
    "list_mappings",
    "load_mapping",
    "mappings_for",
    "missing_fields",
    "propose_mapping",
    "require_complete",
    "save_mapping",
    "suggest_mapping",
    "suggest_value_mapping",
]
