"""The organisation registry: shipped catalog facts, aliases, user overrides, heuristic."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from modelatlas import derive
from modelatlas.atlas import Atlas
from modelatlas.catalog import orgs
from modelatlas.errors import CatalogError
from modelatlas.pipeline import ingest_files
from modelatlas.store.db import Store
from tests.clirunner import run_cli
from tests.lineage_data import add_edges, add_models

# Region of the developers behind the namespaces that matter most (checked facts).
EXPECTED = {
    "Qwen": ("CN", "china"), "deepseek-ai": ("CN", "china"), "moonshotai": ("CN", "china"),
    "zai-org": ("CN", "china"), "THUDM": ("CN", "china"), "MiniMaxAI": ("CN", "china"),
    "tencent": ("CN", "china"), "baidu": ("CN", "china"), "inclusionAI": ("CN", "china"),
    "meta-llama": ("US", "us"), "google": ("US", "us"), "microsoft": ("US", "us"),
    "nvidia": ("US", "us"), "openai": ("US", "us"), "allenai": ("US", "us"),
    "ibm-granite": ("US", "us"), "mistralai": ("FR", "eu"),
    "black-forest-labs": ("DE", "eu"), "swiss-ai": ("CH", "other"),
    "stabilityai": ("GB", "other"), "CohereLabs": ("CA", "other"),
    "tiiuae": ("AE", "other"), "LGAI-EXAONE": ("KR", "other"), "ai21labs": ("IL", "other"),
    "llm-jp": ("JP", "other"), "TinyLlama": ("SG", "other"), "typhoon-ai": ("TH", "other"),
}


def test_shipped_catalog_is_valid_and_sourced() -> None:
    cat = orgs.catalog()
    assert len(cat) >= 150
    for o in cat:
        assert o.region in orgs.REGIONS and o.kind in orgs.KINDS
        assert o.source_url and o.source_url.startswith("https://"), o.namespace
        assert o.region == orgs.region_for_country(o.country), o.namespace
        assert o.origin == "catalog"
        if o.region == "unknown":  # only individuals/communities may be unplaced
            assert o.kind == "community" and o.notes, o.namespace


@pytest.mark.parametrize(("ns", "want"), sorted(EXPECTED.items()))
def test_key_developers_have_the_right_country_and_region(
        ns: str, want: tuple[str, str]) -> None:
    o = orgs.lookup(ns)
    assert o is not None
    assert (o.country, o.region) == want


def test_region_rules_eu_eea_uk_switzerland() -> None:
    assert orgs.region_for_country("fr") == "eu"
    assert orgs.region_for_country("NO") == "eu"  # EEA
    assert orgs.region_for_country("GB") == "other"
    assert orgs.region_for_country("CH") == "other"
    assert orgs.region_for_country("HK") == "china"
    assert orgs.region_for_country(None) == "unknown"


def test_lookup_is_case_insensitive_and_follows_aliases() -> None:
    assert orgs.lookup("qwen") == orgs.lookup("Qwen")
    old = orgs.lookup("CohereForAI")
    assert old is not None and old.alias_of == "CohereLabs" and old.region == "other"
    neural = orgs.lookup("neuralmagic")
    assert neural is not None and neural.alias_of == "RedHatAI"
    # THUDM has an entry of its own even though zai-org lists it as a former namespace
    thudm = orgs.lookup("THUDM")
    assert thudm is not None and thudm.alias_of is None and thudm.kind == "academic"
    assert orgs.lookup("01-ai") is not None and "Yi" in (orgs.lookup("01-ai").display_name or "")


def test_unknown_namespace_is_none_not_a_guess() -> None:
    assert orgs.lookup("some-random-user-123") is None
    assert orgs.lookup("") is None and orgs.lookup(None) is None


def test_quantizers_and_hubs_are_community_or_labelled() -> None:
    for ns in ("bartowski", "mradermacher", "TheBloke", "lmstudio-community", "mlx-community"):
        o = orgs.lookup(ns)
        assert o is not None and o.kind == "community", ns
    assert orgs.lookup("unsloth") is not None


def test_user_yaml_file_overrides_and_extends(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "orgs:\n"
        "  - {namespace: Qwen, display_name: Qwen override, country: SG, kind: lab}\n"
        "  - {namespace: my-lab, country: de, kind: academic, aliases: [my-old-lab],"
        " source_url: 'https://example.org'}\n",
        encoding="utf-8")
    monkeypatch.setenv("MODELATLAS_ORGS", str(f))
    q = orgs.lookup("Qwen")
    assert q is not None and q.region == "other" and q.origin == "user"
    mine = orgs.lookup("MY-LAB")
    assert mine is not None and mine.region == "eu" and mine.country == "DE"
    old = orgs.lookup("my-old-lab")
    assert old is not None and old.alias_of == "my-lab" and old.origin == "user"


def test_user_csv_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["namespace", "country", "region", "kind", "aliases"])
        w.writerow(["acme", "US", "", "lab", "acme-old;acme-older"])
    reg = orgs.registry(f)
    assert reg["acme"].region == "us" and reg["acme"].kind == "lab"
    assert reg["acme-older"].alias_of == "acme"


@pytest.mark.parametrize(("text", "msg"), [
    ("- {namespace: x, country: USA}\n", "alpha-2"),
    ("- {namespace: x, region: mars}\n", "region"),
    ("- {namespace: x, kind: wizard}\n", "kind"),
    ("- {namespace: x, country: US, region: china}\n", "contradicts"),
    ("- {country: US}\n", "without a namespace"),
    ("- {namespace: x}\n- {namespace: X}\n", "twice"),
    ("just a string\n", "list"),
    ("- [unclosed\n", "YAML"),
])
def test_invalid_user_file_is_a_catalog_error(tmp_path: Path, text: str, msg: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=msg):
        orgs.registry(f)


def test_missing_user_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        orgs.registry(tmp_path / "nope.yaml")


def test_orgs_table_with_community_heuristic(store: Store) -> None:
    # 'tuner' uploads 4 models, all derivatives -> community (heuristic);
    # 'maker' uploads 3 originals -> stays unknown (no row); 'pair' has only 2 models.
    add_models(store, [(f"tuner/m{i}", None) for i in range(4)]
               + [(f"maker/m{i}", None) for i in range(3)]
               + [("pair/a", None), ("pair/b", None), ("Qwen/Qwen3-8B", None)])
    add_edges(store, [(f"tuner/m{i}", "Qwen/Qwen3-8B", "finetune") for i in range(4)]
              + [("pair/a", "Qwen/Qwen3-8B", "finetune"), ("pair/b", "Qwen/Qwen3-8B", "adapter")])
    derive.refresh(store)
    rows = {r["org"]: r for r in store.rows("SELECT * FROM orgs")}
    assert rows["tuner"]["origin"] == "heuristic" and rows["tuner"]["kind"] == "community"
    assert rows["tuner"]["region"] == "unknown"
    assert "maker" not in rows and "pair" not in rows
    assert rows["qwen"]["region"] == "china" and rows["qwen"]["origin"] == "catalog"
    assert rows["cohereforai"]["aliases"] == ["CohereLabs"]


def test_every_atom_org_resolves_to_a_region(shared_data: Path) -> None:
    seen = set()
    for name in ("models.csv", "extra_models.csv"):
        with (shared_data / "atom" / name).open(encoding="utf-8") as fh:
            seen |= {row["org"] for row in csv.DictReader(fh)}
    assert len(seen) > 50
    unresolved = sorted(ns for ns in seen
                        if (o := orgs.lookup(ns)) is None or o.region == "unknown")
    assert unresolved == []
    # the ATOM lists are about U.S. vs Chinese labs: both sides are well represented
    regions = {orgs.lookup(ns).region for ns in seen}  # type: ignore[union-attr]
    assert {"us", "china", "eu", "other"} <= regions


def test_unknown_keys_and_comma_cut_names_are_refused(tmp_path: Path) -> None:
    cut = tmp_path / "cut.yaml"
    # an unquoted comma in a flow mapping leaves "RoBERTa/XLM)" as a stray key
    cut.write_text("- {namespace: x, display_name: Meta AI (FacebookAI, RoBERTa/XLM),"
                   " country: US}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown key"):
        orgs.load_user_file(cut)
    typo = tmp_path / "typo.yaml"
    typo.write_text("- {namespace: x, contry: US}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown key 'contry'"):
        orgs.load_user_file(typo)
    brackets = tmp_path / "brackets.yaml"
    brackets.write_text("- {namespace: x, display_name: \"Lab (Paris\"}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="unbalanced"):
        orgs.load_user_file(brackets)
    bad_atom = tmp_path / "atom.yaml"
    bad_atom.write_text("- {namespace: x, atom_region: mars}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="atom_region"):
        orgs.load_user_file(bad_atom)


def test_shipped_display_names_are_whole() -> None:
    for o in orgs.catalog():
        assert o.display_name and o.display_name.count("(") == o.display_name.count(")"), o
    fb = orgs.lookup("FacebookAI")
    assert fb is not None and fb.display_name == "Meta AI (FacebookAI, RoBERTa/XLM)"


def test_atom_scheme_maps_europe_to_eu() -> None:
    assert orgs.atom_region_for_country("GB") == "eu"
    assert orgs.atom_region_for_country("CH") == "eu"
    assert orgs.atom_region_for_country("FR") == "eu"
    assert orgs.atom_region_for_country("US") == "us"
    assert orgs.atom_region_for_country(None) == "unknown"
    stab = orgs.lookup("stabilityai")
    assert stab is not None and stab.region == "other" and stab.region_atom == "eu"
    pool = orgs.lookup("poolside")   # ATOM's own classification wins in its scheme
    assert pool is not None and pool.region == "eu" and pool.region_atom == "us"


def _atom_regions(shared_data: Path) -> dict[str, str]:
    with (shared_data / "atom" / "organization_regions.csv").open(encoding="utf-8") as fh:
        return {r["hf_org"]: r["region"] for r in csv.DictReader(fh)}


def test_every_org_of_atoms_region_table_has_an_entry(shared_data: Path) -> None:
    atom = _atom_regions(shared_data)
    assert len(atom) == 118
    missing = [ns for ns in atom if orgs.lookup(ns) is None]
    assert missing == []
    wrong = {ns: (orgs.lookup(ns).region_atom, r)  # type: ignore[union-attr]
             for ns, r in atom.items() if orgs.lookup(ns).region_atom != r}  # type: ignore[union-attr]
    assert wrong == {}


def test_orgs_json_regions_atom_gives_atoms_region(shared_data: Path, db_path: Path) -> None:
    """`orgs --json --regions atom` with no store yet (the shipped catalog answers)."""
    atom = _atom_regions(shared_data)
    r = run_cli("--db", str(db_path), "orgs", "--json", "--regions", "atom")
    assert r.code == 0, r.err
    rows = {x["namespace"].lower(): x for x in json.loads(r.out)}
    assert all(rows[ns.lower()]["region"] == reg for ns, reg in atom.items())
    assert {rows[ns.lower()]["scheme"] for ns in atom} == {"atom"}
    default = {x["namespace"].lower(): x for x in json.loads(
        run_cli("--db", str(db_path), "orgs", "--json").out)}
    assert default["stabilityai"]["region"] == "other"


def test_trending_series_region_coverage_is_at_least_99_percent(
    shared_data: Path, store: Store
) -> None:
    """The catalog covers the developers behind >= 99% of each month's downloads of the
    real trending series, and every monthly share row says so in its coverage."""
    ingest_files(store, [shared_data / "hf-trending-feature-extraction"])
    atlas = Atlas(store)
    for attribution in ("direct", "root"):
        df = atlas.share(by="region", attribution=attribution)
        assert set(df["population"]) == {"trending"}
        assert df["coverage"].notna().all()
        per = df.groupby("period")["coverage"].first()
        assert len(per) == 25 and per.min() >= 0.99, per.idxmin()
        # coverage is the known share, recomputed from the rows
        known = df[df["group"] != "unknown"].groupby("period")["share"].sum()
        assert ((known - per).abs() < 1e-9).all()
    fam = atlas.share(by="family", attribution="root").groupby("period")["coverage"].first()
    assert fam.min() >= 0.99
    # --until a month is its last day, on the real series
    a = atlas.share(by="region", until="2026-05")
    b = atlas.share(by="region", until="2026-05-31")
    assert a.equals(b) and "2026-05" in set(a["period"])
