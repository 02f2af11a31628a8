"""Duties that the licences along the chain put on the declared use.

Every licence on the chain applies, not just the one the model under review
declares: a fine-tune of Llama 3.1 is a derivative under the Llama 3.1 licence
whatever its own card says. For each distinct licence we list what the use
triggers (attribution, naming, acceptable use policy, limits on training other
models with outputs, user or revenue caps, territory, derivative terms) and
what it forbids outright (commercial use under a non-commercial licence, a user
count above the cap). Not legal advice: docs/check.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from modelatlas.check.licinfo import Terms

USES = ("commercial", "research", "saas")
# Duties every open licence carries (keep the notice): listed, but they do not by
# themselves make a verdict "conditions", so a clean permissive model reads "ok".
ROUTINE = frozenset({"attribution"})


@dataclass(frozen=True)
class Duty:
    """One thing the user must do (or not do) under a licence."""

    license: str
    kind: str
    text: str
    models: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["models"] = list(self.models)
        return d


@dataclass
class Obligations:
    duties: list[Duty] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)


def for_license(t: Terms, models: tuple[str, ...], use: str, users: int | None) -> Obligations:
    """Duties and prohibitions of one licence for ``use`` with ``users`` monthly users."""
    out = Obligations()
    commercial = use in ("commercial", "saas")
    where = ", ".join(models)

    def duty(kind: str, text: str) -> None:
        out.duties.append(Duty(t.id, kind, text, models))

    if not t.known:
        return out
    if commercial and t.commercial_use is False:
        out.blocking.append(f"{t.id} (on {where}) does not allow commercial use")
    elif commercial and t.commercial_note:
        duty("commercial", f"commercial use is conditional: {t.commercial_note}")
    if t.user_cap_mau is not None and commercial:
        if users is not None and users > t.user_cap_mau:
            out.blocking.append(
                f"{t.id} (on {where}) requires a separate licence from the licensor above "
                f"{t.user_cap_mau:,} monthly active users; you declared {users:,}")
        elif users is None:  # a declared user count below the cap makes the duty moot
            duty("user_cap", f"if your products or services exceed {t.user_cap_mau:,} monthly "
                             "active users you must request a licence from the licensor")
    if t.revenue_cap_usd is not None and commercial:
        duty("revenue_cap", f"above US${t.revenue_cap_usd:,} annual revenue a separate "
                            "licence from the licensor is required")
    if t.attribution:
        duty("attribution", t.attribution)
    if t.naming:
        duty("naming", t.naming)
    if t.acceptable_use_policy:
        duty("acceptable_use", t.acceptable_use_policy if " " in t.acceptable_use_policy
             else f"comply with the acceptable use policy: {t.acceptable_use_policy}")
    if t.outputs_train_other_models is False:
        duty("outputs", t.outputs_note or "do not use the model or its outputs to train or "
                                          "improve other models")
    elif t.outputs_note and t.outputs_train_other_models is None:
        duty("outputs", t.outputs_note)
    if t.territorial:
        duty("territorial", t.territorial)
    if t.derivative_terms:
        duty("derivatives", t.derivative_terms)
    if use == "saas" and t.id.startswith("agpl"):
        duty("network", "users interacting with a modified version over a network must be "
                        "offered its corresponding source (AGPL-3.0 section 13)")
    if t.revocable:
        duty("revocable", "the licensor can revoke or change these terms: monitor them")
    return out


def collect(licenses: dict[str, tuple[Terms, tuple[str, ...]]], use: str,
            users: int | None) -> Obligations:
    """Duties of every licence on the chain (``licence id -> (terms, models)``)."""
    total = Obligations()
    for lid in sorted(licenses):
        terms, models = licenses[lid]
        ob = for_license(terms, models, use, users)
        total.duties += ob.duties
        total.blocking += ob.blocking
    return total
