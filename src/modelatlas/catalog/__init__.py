"""Curated reference data shipped with modelatlas: organisations and model families.

``orgs.lookup(namespace)`` and ``families.family_of(model_id)`` are the Python API;
the data live in ``catalog/data/*.yaml`` with a source for every fact.
"""

from modelatlas.catalog import families, orgs

__all__ = ["families", "orgs"]
