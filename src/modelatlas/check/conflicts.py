"""Licence conflicts along the chain and problems with the bases themselves.

* laundering: a model declares a licence less restrictive than one of its
  ancestors' (an Apache-2.0 label on a Llama fine-tune); the ancestor's terms
  still bind whoever uses it;
* mismatch: a different restrictive licence than the base (both custom terms);
* missing licence: no licence declared (nothing is granted by default), or an
  ancestor whose licence is unknown;
* non-commercial / research-only ancestor (blocking for commercial uses);
* gated base (its terms must be accepted) or removed base (the terms can no
  longer be re-checked, and the weights may have been pulled for a reason).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from modelatlas.check.chain import Chain
from modelatlas.check.licinfo import UNKNOWN, Terms


@dataclass(frozen=True)
class Conflict:
    kind: str
    severity: str  # blocking | warning
    model: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _against_ancestors(chain: Chain, own: Terms, terms_of: dict[str, Terms]) -> list[Conflict]:
    """The model's own licence against every ancestor whose terms are known, not only
    its direct parents: an unknown re-upload in between must not hide a Llama root."""
    if not own.known or own.rank is None:
        return []
    worst: Terms | None = None
    worst_id = ""
    for n in chain.ordered():
        t = terms_of.get(n.id)
        if t is None or not t.known or t.rank is None or t.id == own.id:
            continue
        if worst is None or t.rank > (worst.rank or 0):
            worst, worst_id = t, n.id
    if worst is None or worst.rank is None:
        return []
    sid = chain.subject_id
    if worst.rank >= 1 and own.rank < worst.rank:
        return [Conflict("laundering", "warning", sid,
                         f"declares {own.id} but its base {worst_id} is under {worst.id}, more "
                         f"restrictive; {worst.id} terms still apply to this derivative")]
    if worst.rank >= 3 and own.rank >= 3:
        return [Conflict("mismatch", "warning", sid,
                         f"declares {own.id} but its base {worst_id} is under {worst.id}; "
                         "both sets of terms apply")]
    return []


def find(chain: Chain, subject_terms: Terms, terms_of: dict[str, Terms], use: str,
         catalog: bool, subject_state: str = "declared") -> list[Conflict]:
    """All conflicts; ``terms_of`` maps model id -> Terms for every ancestor.

    ``subject_state`` says why the model's own licence may be unknown: ``none``
    (nothing declared: no rights granted, blocking) differs from ``cut`` (the
    source truncated the tag), ``untold`` (listed without any tag or card, as the
    trending files list models) and ``unreadable`` (the card could not be parsed),
    which are "unknown: verify", never "none declared".
    """
    out: list[Conflict] = []
    commercial = use in ("commercial", "saas")
    sid = chain.subject_id
    if subject_terms.id == UNKNOWN and subject_state in ("cut", "unreadable", "not-in-store",
                                                          "untold"):
        why = {"cut": "its licence tag was cut short by the source",
               "unreadable": "its model card could not be read",
               "not-in-store": "the store knows it only as a lineage node",
               "untold": "the source listed it without tags or a card"}[subject_state]
        out.append(Conflict("unknown_license", "warning", sid,
                            f"licence unknown: verify it ({why}; a licence may be declared)"))
    elif subject_terms.id == UNKNOWN:
        out.append(Conflict("missing_license", "blocking", sid,
                            "no licence declared: no rights are granted by default"))
    elif not subject_terms.known and catalog:
        out.append(Conflict("unmapped_license", "warning", sid,
                            f"declares licence {subject_terms.id!r}, which the catalog cannot "
                            "evaluate: read its terms"))
    licence_of = {sid: subject_terms, **terms_of}
    out += _against_ancestors(chain, subject_terms, terms_of)
    for e in chain.edges:
        if e.child == sid:
            continue  # the model itself is compared with every ancestor above
        child, parent = licence_of.get(e.child), licence_of.get(e.parent)
        if child is None or parent is None or not (child.known and parent.known):
            continue
        if child.id == parent.id:
            continue
        cr, pr = child.rank, parent.rank
        if cr is not None and pr is not None and pr >= 1 and cr < pr:
            out.append(Conflict(
                "laundering", "warning", e.child,
                f"declares {child.id} but its base {e.parent} is under {parent.id}, "
                f"more restrictive; {parent.id} terms still apply to this derivative"))
        elif pr is not None and pr >= 3 and cr is not None and cr >= 3:
            out.append(Conflict(
                "mismatch", "warning", e.child,
                f"declares {child.id} but its base {e.parent} is under {parent.id}; "
                "both sets of terms apply"))
    for node in chain.ordered():
        t = terms_of.get(node.id)
        if t is None or node.license_id == UNKNOWN or not t.known:
            why = "" if catalog else " (licence catalog not available)"
            what = ("unknown" if node.license_id == UNKNOWN
                    else f"{node.license_id!r}, not evaluated")
            out.append(Conflict("unknown_ancestor_license", "warning", node.id,
                                f"licence of ancestor {node.id} is {what}{why}: verify it"))
        elif t.commercial_use is False:
            fam = f"{t.family or ''} {t.name or ''}".lower()
            kind = "research_only_ancestor" if "research" in fam else "non_commercial_ancestor"
            out.append(Conflict(
                kind, "blocking" if commercial else "warning", node.id,
                f"ancestor {node.id} is under {t.id}, which does not allow commercial use"))
        if node.gated and node.gated not in ("false", "False"):
            out.append(Conflict("gated_base", "warning", node.id,
                                f"base {node.id} is gated ({node.gated}): its terms must be "
                                "accepted on the Hub"))
        if node.status == "removed":
            out.append(Conflict("removed_base", "warning", node.id,
                                f"base {node.id} is no longer on the Hub: its terms cannot "
                                "be re-checked"))
    return out
