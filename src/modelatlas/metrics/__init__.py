"""Adoption metrics: each one set-based SQL statement returning a tidy DataFrame.

Modules: :mod:`.share` (adoption share), :mod:`.concentration` (HHI, top-10,
community share), :mod:`.cadence` (release cadence), :mod:`.licence_mix`,
:mod:`.ram` (ATOM Relative Adoption Metric), :mod:`.derivatives` (lineage owner).
Definitions, sources and caveats: docs/metrics.md.
"""
