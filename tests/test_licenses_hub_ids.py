"""Every licence identifier the Hub accepts resolves to a catalog entry with its source."""

from __future__ import annotations

import re
from pathlib import Path

from modelatlas.licenses import catalog, lookup
from modelatlas.licenses.normalizer import hub_ids

_ID = re.compile(r"^\|[^|]*\|\s*`([^`]+)`\s*\|", re.MULTILINE)


def test_all_hub_licence_ids_resolve(shared_data: Path) -> None:
    table = (shared_data / "hf-licenses" / "repositories-licenses.md").read_text("utf-8")
    ids = _ID.findall(table)
    assert len(ids) == len(set(ids)) == 83
    cat = catalog()
    unresolved = [i for i in ids if lookup(i) not in cat]
    assert unresolved == []
    for i in ids:
        lic = cat[str(lookup(i))]
        assert lic.source_url.startswith("https://"), i
    # the list kept for cut-tag completion is the Hub's list
    assert set(hub_ids()) == set(ids)


def test_new_hub_ids_have_their_own_entries() -> None:
    assert lookup("grok2-community") == "grok2-community"
    assert lookup("h-research") == "h-research"
    grok = catalog()["grok2-community"]
    assert grok.family == "open-weight-custom" and grok.outputs_train_other_models is False
    assert catalog()["h-research"].family == "non-commercial"
    assert not grok.osi_approved


def test_osi_flags_agree_with_the_spdx_list() -> None:
    """``osi_approved`` of every catalog entry with SPDX ids equals the SPDX list's flag."""
    from modelatlas.openness.mof_defs import package_licenses

    spdx = package_licenses()
    wrong = {lic.id: lic.osi_approved for lic in catalog().values()
             if any(s in spdx and spdx[s].osi_approved != lic.osi_approved for s in lic.spdx)}
    assert wrong == {}
