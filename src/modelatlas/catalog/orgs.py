"""The organisation registry: Hub namespace -> developer, country, region, kind.

Attribution is only as good as this table, so it is curated data with a source
for every entry (``data/orgs.yaml``), never inferred from names. Users extend or
override it with their own YAML or CSV file (``--orgs FILE``, ``MODELATLAS_ORGS``);
their entries win (a user entry replaces the whole catalog entry). A namespace that is in
neither is *unknown*: :func:`lookup` returns ``None`` rather than a guess.

Former namespaces (``THUDM`` -> ``zai-org``, ``CohereForAI`` -> ``CohereLabs``)
are listed as aliases and resolve to the entry that names them, unless they have
an entry of their own.

Two region schemes: ours (``region``: from the country, EU = EU/EEA member
states) and the ATOM Project's (``region_atom``: its own table,
organization_regions.csv, where ``eu`` is Europe including the UK and
Switzerland). An entry records ATOM's value as ``atom_region`` when ATOM lists
the namespace; otherwise its country is mapped to ATOM's buckets.

Entries are schema-checked: an unknown key (for example a display name cut at an
unquoted comma in a YAML flow mapping, which leaves its tail as a stray key) is
refused, and so is a display name with unbalanced brackets.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from modelatlas import settings
from modelatlas.errors import CatalogError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

REGIONS = ("us", "china", "eu", "other", "unknown")
SCHEMES = ("default", "atom")
#: Keys an entry may have (YAML keys or CSV columns); anything else is refused.
KEYS = frozenset(("namespace", "org", "display_name", "country", "region", "kind", "parent",
                  "aliases", "source_url", "notes", "atom_region"))
KINDS = ("big-tech", "lab", "academic", "non-profit", "government", "community", "unknown")
ORIGINS = ("catalog", "user", "heuristic")

# EU member states plus the other EEA states (Iceland, Liechtenstein, Norway).
# The United Kingdom and Switzerland are deliberately *not* here: region "other".
EU_EEA = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    "IS", "LI", "NO",
))


# Europe for ATOM's "Europe-facing" eu bucket: EU/EEA plus the other European states.
EUROPE = EU_EEA | frozenset((
    "GB", "CH", "UA", "RS", "BA", "ME", "MK", "AL", "MD", "BY", "AD", "MC", "SM", "VA", "XK",
))


def atom_region_for_country(country: str | None) -> str:
    """ATOM's bucket for a country code (its eu is Europe, the UK and Switzerland
    included); ``unknown`` without a code."""
    if not country:
        return "unknown"
    cc = country.upper()
    if cc in EUROPE:
        return "eu"
    return region_for_country(cc)


def region_for_country(country: str | None) -> str:
    """The region a country code belongs to (``unknown`` when there is no code)."""
    if not country:
        return "unknown"
    cc = country.upper()
    if cc == "US":
        return "us"
    if cc in ("CN", "HK", "MO"):
        return "china"
    if cc in EU_EEA:
        return "eu"
    return "other"


@dataclass(frozen=True)
class Org:
    """One namespace of the registry."""

    org: str  # lower-cased namespace: the join key
    namespace: str  # as spelled on the Hub
    display_name: str | None
    country: str | None
    region: str
    kind: str
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    source_url: str | None = None
    notes: str | None = None
    origin: str = "catalog"
    alias_of: str | None = field(default=None, compare=False)
    #: ATOM's own region for this exact namespace (organization_regions.csv), if listed.
    atom_region: str | None = None

    @property
    def region_atom(self) -> str:
        """The region in ATOM's scheme: its table's value, else the country mapped."""
        return self.atom_region or atom_region_for_country(self.country)

    def region_in(self, scheme: str) -> str:
        return self.region_atom if scheme == "atom" else self.region

    def as_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "namespace": self.namespace,
            "display_name": self.display_name,
            "country": self.country,
            "region": self.region,
            "kind": self.kind,
            "parent": self.parent,
            "aliases": list(self.aliases),
            "source_url": self.source_url,
            "notes": self.notes,
            "origin": self.origin,
            "alias_of": self.alias_of,
            "atom_region": self.atom_region,
            "region_atom": self.region_atom,
        }


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _aliases(v: Any) -> tuple[str, ...]:
    if v is None or v == "":
        return ()
    if isinstance(v, str):
        parts = v.replace(";", ",").replace("|", ",").split(",")
    elif isinstance(v, list | tuple):
        parts = [str(x) for x in v]
    else:
        raise CatalogError(f"aliases must be a list or a comma-separated string, got {v!r}")
    return tuple(p.strip() for p in parts if p and p.strip())


def make_org(raw: Mapping[str, Any], *, origin: str, where: str) -> Org:
    """Validate one raw entry (YAML mapping or CSV row) into an :class:`Org`."""
    unknown = sorted(str(k) for k in raw if k not in KEYS)
    if unknown:
        raise CatalogError(f"{where}: unknown key {unknown[0][:60]!r} (allowed: "
                           f"{', '.join(sorted(KEYS))}; quote values that contain commas)")
    ns = _text(raw.get("namespace") or raw.get("org"))
    if not ns:
        raise CatalogError(f"{where}: entry without a namespace: {dict(raw)!r}")
    if "/" in ns or any(c.isspace() for c in ns):
        raise CatalogError(f"{where}: invalid namespace {ns!r}")
    country = _text(raw.get("country"))
    if country is not None:
        country = country.upper()
        if len(country) != 2 or not country.isalpha():
            raise CatalogError(f"{where}: {ns}: country must be ISO 3166 alpha-2, got {country!r}")
    derived = region_for_country(country)
    region = (_text(raw.get("region")) or derived).lower()
    if region not in REGIONS:
        raise CatalogError(f"{where}: {ns}: region must be one of {', '.join(REGIONS)}")
    if country is not None and region != derived:
        raise CatalogError(
            f"{where}: {ns}: region {region!r} contradicts country {country} ({derived})"
        )
    kind = (_text(raw.get("kind")) or "unknown").lower()
    if kind not in KINDS:
        raise CatalogError(f"{where}: {ns}: kind must be one of {', '.join(KINDS)}")
    atom = _text(raw.get("atom_region"))
    if atom is not None and atom.lower() not in REGIONS:
        raise CatalogError(f"{where}: {ns}: atom_region must be one of {', '.join(REGIONS)}")
    display = _text(raw.get("display_name"))
    if display is not None and not _balanced(display):
        raise CatalogError(f"{where}: {ns}: display name {display!r} has unbalanced brackets"
                           " (cut at a comma?)")
    return Org(
        org=ns.lower(),
        namespace=ns,
        display_name=display or ns,
        country=country,
        region=region,
        kind=kind,
        parent=_text(raw.get("parent")),
        aliases=_aliases(raw.get("aliases")),
        source_url=_text(raw.get("source_url")),
        notes=_text(raw.get("notes")),
        origin=origin,
        atom_region=atom.lower() if atom else None,
    )


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _parse(entries: Iterable[Mapping[str, Any]], *, origin: str, where: str) -> list[Org]:
    out: list[Org] = []
    seen: set[str] = set()
    for i, raw in enumerate(entries, 1):
        if not isinstance(raw, Mapping):
            raise CatalogError(f"{where}: entry {i} is not a mapping")
        org = make_org(raw, origin=origin, where=f"{where} entry {i}")
        if org.org in seen:
            raise CatalogError(f"{where}: namespace {org.namespace!r} listed twice")
        seen.add(org.org)
        out.append(org)
    return out


@functools.cache
def catalog() -> tuple[Org, ...]:
    """The shipped catalog, validated (cached)."""
    text = resources.files("modelatlas.catalog").joinpath("data/orgs.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    if not isinstance(data, list):
        raise CatalogError("shipped orgs.yaml must be a list of entries")
    return tuple(_parse(data, origin="catalog", where="orgs.yaml"))


def load_user_file(path: str | Path) -> list[Org]:
    """Entries of a user override file: YAML (a list, or ``{orgs: [...]}``) or CSV."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CatalogError(f"cannot read orgs file {p}: {exc.strerror or exc}") from exc
    if p.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return _parse(rows, origin="user", where=str(p))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"orgs file {p} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if isinstance(data, dict) and "orgs" in data:
        data = data["orgs"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogError(f"orgs file {p} must hold a list of entries (or orgs: [...])")
    return _parse(data, origin="user", where=str(p))


def registry(user_file: str | Path | None = None) -> dict[str, Org]:
    """Every known namespace (lower-cased) -> Org: catalog, then user entries on top.

    Aliases become entries of their own (``alias_of`` set) unless that namespace
    has an explicit entry; a user entry replaces the catalog entry of the same
    namespace and any alias pointing elsewhere.
    """
    explicit: dict[str, Org] = {o.org: o for o in catalog()}
    if user_file:
        for o in load_user_file(user_file):
            explicit[o.org] = o
    out = dict(explicit)
    for o in explicit.values():
        for alias in o.aliases:
            key = alias.lower()
            if key in explicit:
                continue
            prior = out.get(key)
            # a user entry's alias wins over a catalog entry's alias
            if prior is not None and not (o.origin == "user" and prior.origin != "user"):
                continue
            out[key] = replace(o, org=key, namespace=alias, aliases=(o.namespace,),
                               alias_of=o.namespace)
    return out


def user_file() -> str | None:
    """The user override file named by ``--orgs`` / ``MODELATLAS_ORGS``, if any."""
    return settings.get("orgs_file") or None


@functools.lru_cache(maxsize=8)
def _cached_registry(path: str | None, mtime_ns: int) -> dict[str, Org]:
    del mtime_ns  # part of the cache key only: an edited file is re-read
    return registry(path)


def current() -> dict[str, Org]:
    """The registry for the current user file, cached until that file changes."""
    path = user_file()
    mtime = 0
    if path:
        try:
            mtime = Path(path).expanduser().stat().st_mtime_ns
        except OSError:
            mtime = -1  # registry() reports the unreadable file
    return _cached_registry(path, mtime)


def lookup(namespace: str | None) -> Org | None:
    """The registry entry of a Hub namespace (case-insensitive), or ``None`` if unknown."""
    if not namespace:
        return None
    return current().get(namespace.strip().lower())


def all_orgs() -> list[Org]:
    """Every registry entry (aliases included), sorted by namespace."""
    return sorted(current().values(), key=lambda o: o.org)
