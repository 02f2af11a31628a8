"""Due diligence on one model before you build on it (``modelatlas check``).

A model is read from a local folder (:mod:`.folder`) or a Hub id (:mod:`.hub`:
the store, or the live Hub with ``online=True``) into a :class:`.subject.Subject`;
then its lineage is followed to the roots (:mod:`.chain`: the lineage module's
graph plus card, live and re-upload overlays), the licences
along that chain are turned into duties for the declared use
(:mod:`.obligations`) and conflicts (:mod:`.conflicts`), files are scanned
statically (:mod:`.security`, nothing is ever imported, executed or unpickled),
and :mod:`.verdict` decides ok / conditions / blocked. :func:`.run.check` ties
it together; :mod:`.bom` renders a CycloneDX 1.6 ML-BOM.
"""

from __future__ import annotations

from modelatlas.check.run import CheckReport, check

__all__ = ["CheckReport", "check"]


