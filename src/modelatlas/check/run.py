"""``check``: one model, from a folder or a Hub id, to a verdict for a declared use."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelatlas.check import (
    chain as chain_mod,
)
from modelatlas.check import (
    conflicts as conflicts_mod,
)
from modelatlas.check import (
    folder,
    hub,
    hubid,
    licinfo,
    obligations,
    openness_info,
    origin,
    security,
    verdict,
)
from modelatlas.check.chain import Chain
from modelatlas.check.conflicts import Conflict
from modelatlas.check.findings import Finding
from modelatlas.check.subject import Subject
from modelatlas.errors import InputError, ModelAtlasError, UsageError
from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader


@dataclass
class CheckReport:
    """Everything ``check`` found; :meth:`as_dict` is the ``--json`` contract."""

    subject: Subject
    use: str
    users: int | None
    chain: Chain
    license_id: str
    licenses: list[dict[str, Any]]
    origin: dict[str, Any]
    root_origins: list[dict[str, Any]]
    conflicts: list[Conflict]
    security: list[Finding]
    verdict: verdict.Verdict
    openness: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def lineage(self) -> dict[str, Any]:
        """Parents, roots and depth as the lineage module says for a stored model (so
        ``check`` and ``lineage`` agree), then the whole chain with the overlays
        (card, live Hub, re-upload rules) that the licences were read along."""
        c = self.chain
        rel = {e.parent: e.relation for e in c.edges if e.child == self.subject.id}
        if c.lineage is not None:
            parents = [{"id": p["id"], "relation": p["relation"], "origin": p["origin"]}
                       for p in c.lineage["parents"]]
            roots, depth = list(c.lineage["roots"]), int(c.lineage["depth"])
        else:
            parents = [{"id": e.parent, "relation": e.relation, "origin": e.origin}
                       for e in c.edges if e.child == self.subject.id]
            roots = c.roots()
            depth = max((n.depth for n in c.nodes.values()), default=0)
        inferred = [{"id": e.parent, "relation": e.relation, "origin": e.origin}
                    for e in c.edges if e.child == self.subject.id
                    and e.parent not in {p["id"] for p in parents}]
        return {
            "parents": parents,
            "inferred_parents": inferred,
            "roots": roots,
            "licence_roots": c.roots(),
            "families": sorted({f for f in map(family_of, c.roots()) if f}),
            "depth": depth,
            "chain": [
                {"id": n.id, "depth": n.depth, "relation": rel.get(n.id),
                 "license": n.license_id, "license_source": n.license_source,
                 "license_raw": n.license_raw, "gated": n.gated, "status": n.status,
                 "org": n.org}
                for n in c.ordered()
            ],
            "edges": [{"child": e.child, "parent": e.parent, "relation": e.relation,
                       "origin": e.origin} for e in c.edges],
        }

    def as_dict(self) -> dict[str, Any]:
        s = self.subject
        return {
            "id": s.id,
            "source": s.provenance,
            "path": str(s.path) if s.path else None,
            "use": self.use,
            "users": self.users,
            "verdict": self.verdict.verdict,
            "reasons": self.verdict.reasons,
            "duties": [d.as_dict() for d in self.verdict.duties],
            "license": {"declared": s.license_raw, "license_name": s.license_name,
                        "license_link": s.license_link, "id": self.license_id},
            "origin": {**self.origin, "created_at": s.created_at,
                       "release_date": s.release_date, "link": s.link, "sha": s.sha,
                       "roots": self.root_origins},
            "lineage": self.lineage(),
            "licenses": self.licenses,
            "conflicts": [c.as_dict() for c in self.conflicts],
            "security": [f.as_dict() for f in self.security],
            "openness": self.openness,
            "notes": self.notes,
        }


def family_of(model_id: str) -> str | None:
    """Model family of a root (Llama, Qwen, ...) from the shipped catalog, if known."""
    try:
        families = importlib.import_module("modelatlas.catalog.families")
        found = families.family_of(model_id)
    except (ImportError, ModelAtlasError):
        return None
    return str(found) if found else None


def load_subject(target: str, reader: Reader | None, *, online: bool,
                 endpoint: str | None, folders: bool = True) -> Subject:
    """A local folder when ``target`` is one (and ``folders`` allows it: the web API
    never looks at the server's disk), else a Hub id (live or from the store)."""
    if folders:
        p = Path(target).expanduser()
        if p.is_dir():
            return folder.read_folder(p)
        if p.exists():
            raise UsageError(f"{target} is a file: give a model folder or a Hub id")
        if hubid.looks_like_path(target):
            raise InputError(f"no such folder: {target}")
    hubid.require(target)
    if online:
        return hub.online(target, endpoint)
    if reader is None:
        raise UsageError(f"{target} is not a folder, and there is no store to look it up in "
                         "(ingest first, or pass --online)")
    return hub.from_store(reader, target)


def _licence_table(subject: Subject, subject_lid: str, chain: Chain
                   ) -> tuple[dict[str, licinfo.Terms], dict[str, tuple[licinfo.Terms,
                                                                       tuple[str, ...]]]]:
    terms_of: dict[str, licinfo.Terms] = {}
    holders: dict[str, list[str]] = {}
    if subject_lid != licinfo.UNKNOWN:
        holders.setdefault(subject_lid, []).append(subject.id)
    for n in chain.ordered():
        if n.license_id != licinfo.UNKNOWN:
            terms_of[n.id] = licinfo.terms(n.license_id)
            holders.setdefault(n.license_id, []).append(n.id)
    table = {lid: (licinfo.terms(lid), tuple(ids)) for lid, ids in holders.items()}
    return terms_of, table


def _own_licence(subject: Subject) -> str:
    """Canonical id of the licence the model declares ('unknown' if none); for a model
    the store knows only as a lineage node or listed without tags (a trending list), the
    base catalog's entry (sourced)."""
    if subject.license_id and subject.license_id != licinfo.UNKNOWN:
        return subject.license_id
    lid = licinfo.normalize(subject.license_raw, subject.license_name, subject.license_link)
    if lid == licinfo.UNKNOWN and subject.license_state in ("not-in-store", "untold"):
        from modelatlas.catalog import bases

        hit = bases.lookup(subject.id)
        if hit is not None:
            subject.notes.append(f"licence {hit.license_id} from the base-model catalog "
                                 f"({hit.source})")
            subject.license_state = "declared"
            return hit.license_id
    return lid


def _gate_duty(subject: Subject, license_id: str) -> list[obligations.Duty]:
    """A gated repo's access terms are a duty of their own (accepted on the Hub)."""
    if not subject.gated or subject.gated.lower() in ("false", "none"):
        return []
    return [obligations.Duty(license_id, "gated", f"the repo is gated ({subject.gated}): "
                             "accept its access terms on the Hub before downloading",
                             (subject.id,))]


def _licence_rows(subject: Subject, table: dict[str, tuple[licinfo.Terms, tuple[str, ...]]]
                  ) -> list[dict[str, Any]]:
    return [
        {"id": lid, "models": list(models), "declared_by_model": subject.id in models,
         "known": t.known, "name": t.name, "family": t.family,
         "commercial_use": t.commercial_use, "user_cap_mau": t.user_cap_mau,
         "source_url": t.source_url}
        for lid, (t, models) in sorted(table.items())
    ]


def check(
    target: str,
    *,
    reader: Reader | None = None,
    store: Store | None = None,
    use: str = "commercial",
    users: int | None = None,
    online: bool = False,
    endpoint: str | None = None,
    download: bool = False,
    folders: bool = True,
) -> CheckReport:
    """Due diligence on ``target`` (folder path or Hub id) for ``use`` by ``users`` MAU.

    Store reads go through ``reader`` (the read door :class:`~modelatlas.atlas.Atlas`
    and the web app hold one); ``store`` is accepted for callers that have only a
    store and is wrapped in a reader.
    """
    if reader is None and store is not None:
        from modelatlas.queries._engine import Reader

        reader = Reader(store)
    online = online or download  # a download is fetched from the live Hub
    if use not in obligations.USES:
        raise UsageError(f"--use must be one of {'|'.join(obligations.USES)}, not {use!r}")
    if users is not None and users < 0:
        raise UsageError("--users must be a non-negative number of monthly active users")
    subject = load_subject(target, reader, online=online, endpoint=endpoint, folders=folders)
    notes = list(subject.notes)
    catalog = licinfo.available()
    if not catalog:
        notes.append("licence catalog not available: licence terms and duties not evaluated")
    fetch = (lambda mid: hub.online(mid, endpoint)) if online else None
    chain = chain_mod.build(subject, reader, fetch)
    notes += chain.notes
    subject_lid = _own_licence(subject)
    subject_terms = licinfo.terms(subject_lid)
    terms_of, table = _licence_table(subject, subject_lid, chain)
    ob = obligations.collect(table, use, users)
    ob.duties += _gate_duty(subject, subject_lid)
    found_conflicts = conflicts_mod.find(chain, subject_terms, terms_of, use, catalog,
                                         subject.license_state)
    if subject.provenance == "hub":
        from modelatlas.check import online as online_scan

        findings = online_scan.scan(subject, endpoint, download=download)
    else:
        findings = security.scan(subject)
    v = verdict.decide(ob.blocking, ob.duties, found_conflicts, findings)
    roots = chain.roots()
    root_origins = [{"root": r, **origin.lookup(r.split("/", 1)[0], reader)}
                    for r in roots if r != subject.id and "/" in r]
    licenses = _licence_rows(subject, table)
    subject_org = subject.org or (subject.id.split("/", 1)[0]
                                  if subject.provenance != "folder" and "/" in subject.id
                                  else None)
    return CheckReport(
        subject=subject, use=use, users=users, chain=chain, license_id=subject_lid,
        licenses=licenses, origin=origin.lookup(subject_org, reader), root_origins=root_origins,
        conflicts=found_conflicts, security=findings, verdict=v,
        openness=openness_info.describe(reader.store if reader else None, subject.id, roots),
        notes=notes,
    )
