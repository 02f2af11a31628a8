"""``modelatlas check MODEL_ID_OR_PATH``: due diligence on one model before you build on it."""

from __future__ import annotations

import sys
from typing import Any

from modelatlas.cli import context
from modelatlas.cli.output import print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.errors import InputError, StoreError, UsageError
from modelatlas.queries import Param

COLOURS = {"ok": "green", "conditions": "yellow", "blocked": "red"}
SEV_COLOURS = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
               "info": "dim"}


def check_cmd(v: Values) -> int:
    """Origin, lineage, licences and duties, conflicts, openness and static security
    flags of one model, with a verdict (ok | conditions | blocked) for the declared use.
    Nothing in a model folder is imported, executed or unpickled. Not legal advice.
    Exit 3 when the verdict reaches ``--fail-on``."""
    from pathlib import Path

    from modelatlas.atlas import Atlas
    from modelatlas.check import check, verdict

    target = v["target"]
    outputs = [n for n in ("as_json", "cyclonedx", "spdx") if v[n]]
    if len(outputs) > 1:
        raise UsageError("--json, --cyclonedx and --spdx are exclusive")
    if v["fail_on"] is not None:
        verdict.reaches("ok", v["fail_on"])  # a usage error now, not after the check
    is_folder = Path(target).expanduser().is_dir()
    from modelatlas.check import hubid

    if not is_folder and hubid.looks_like_path(target) and not Path(target).expanduser().exists():
        raise InputError(f"no such folder: {target}")
    remote = v["online"] or v["download"]
    atlas: Atlas | None = None
    try:
        atlas = context.atlas()
    except StoreError:
        if not (is_folder or remote):
            raise
    try:
        report = check(target, reader=atlas.reader if atlas else None, use=v["use"],
                       users=v["users"], online=v["online"], endpoint=v["endpoint"],
                       download=v["download"])
    finally:
        if atlas is not None:
            atlas.close()
    if v["cyclonedx"]:
        from modelatlas.check import bom

        text = bom.to_json(report)
        bom.validate(text)
        sys.stdout.write(text + "\n")
    elif v["spdx"]:
        from modelatlas.check import spdxbom

        text = spdxbom.to_json(report)
        spdxbom.validate(text)
        sys.stdout.write(text + "\n")
    elif v["as_json"]:
        print_json(report.as_dict())
    else:
        render(report.as_dict())
    return verdict.exit_code(report.verdict.verdict, v["fail_on"])


def _t(value: Any, style: str = "") -> Any:
    """Data as inert text: never markup, control characters replaced."""
    from rich.text import Text

    from modelatlas.cli.output import plain

    return Text("" if value is None else plain(value), style=style)


def render(d: dict[str, Any]) -> None:
    """Readable report (all model-supplied strings are shown as plain text, never markup)."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    from modelatlas.cli.output import inert

    d = inert(d)
    con = Console()
    v = d["verdict"]
    head = Text.assemble(("Verdict: ", "bold"), (v.upper(), f"bold {COLOURS.get(v, '')}"),
                         f"  for {d['use']} use",
                         f", {d['users']:,} monthly users" if d["users"] is not None else "")
    body: list[Any] = [head]
    for r in d["reasons"]:
        body.append(Text("  • ") + _t(r))
    con.print(Panel(Group(*body), title=Text(f"{d['id']} ({d['source']})"), expand=False))

    o = d["origin"]
    who = o.get("display_name") or o.get("org") or "unknown developer"
    line = Text.assemble(("Origin: ", "bold"), str(who))
    if o.get("country") or o.get("region") != "unknown":
        line.append(f" · {o.get('country') or '?'} · {o.get('region')} · {o.get('kind')}")
    for k in ("created_at", "release_date", "link"):
        if o.get(k):
            line.append(f" · {o[k]}")
    con.print(line)
    for r in o.get("roots", []):
        con.print(Text.assemble("  root ", (r["root"], "bold"), " by ",
                                str(r.get("display_name") or r.get("org") or "?"),
                                f" · {r.get('country') or '?'} · {r.get('region')}"))

    lin = d["lineage"]
    tree = Tree(Text.assemble(("Lineage ", "bold"), (d["id"], ""), f" [{d['license']['id']}]"))
    by_child: dict[str, list[dict[str, Any]]] = {}
    for e in lin["edges"]:
        by_child.setdefault(e["child"], []).append(e)
    nodes = {n["id"]: n for n in lin["chain"]}

    def grow(branch: Tree, child: str, seen: frozenset[str]) -> None:
        for e in by_child.get(child, []):
            n = nodes.get(e["parent"], {})
            label = Text.assemble(f"{e['relation']} of ", (e["parent"], "bold"),
                                  f" [{n.get('license', 'unknown')}]")
            if n.get("status") in ("removed",):
                label.append(" (removed)", "red")
            if n.get("gated") and n.get("gated") != "false":
                label.append(f" (gated: {n['gated']})", "yellow")
            sub = branch.add(label)
            if e["parent"] not in seen:
                grow(sub, e["parent"], seen | {e["parent"]})

    grow(tree, d["id"], frozenset({d["id"]}))
    if lin.get("families"):
        tree.label = Text.assemble(tree.label if isinstance(tree.label, Text) else "",
                                   f"  family: {', '.join(lin['families'])}")
    if not lin["edges"]:
        tree.add(Text("no base model declared: this is its own root", style="dim"))
    con.print(tree)

    if d["licenses"]:
        t = Table(title="Licences along the chain", title_justify="left")
        for c in ("licence", "family", "commercial", "MAU cap", "models"):
            t.add_column(c, overflow="fold")
        for lic in d["licenses"]:
            cu = lic["commercial_use"]
            t.add_row(_t(lic["id"]), _t(lic["family"] or "?"),
                      _t("?" if cu is None else ("yes" if cu else "no")),
                      _t(f"{lic['user_cap_mau']:,}" if lic["user_cap_mau"] else ""),
                      _t(", ".join(lic["models"])))
        con.print(t)
    if d["duties"]:
        con.print(Text("Duties", style="bold"))
        for x in d["duties"]:
            con.print(Text("  • ") + _t(f"[{x['license']}] ", "cyan") + _t(x["text"]))
    if d["conflicts"]:
        con.print(Text("Conflicts", style="bold"))
        for c in d["conflicts"]:
            style = "red" if c["severity"] == "blocking" else "yellow"
            con.print(Text("  • ") + _t(f"{c['kind']} ", style) + _t(c["detail"]))
    sec = [f for f in d["security"] if f["severity"] != "info"]
    if sec:
        t = Table(title="Security (static)", title_justify="left")
        for c in ("severity", "file", "detail"):
            t.add_column(c, overflow="fold")
        for f in sec:
            t.add_row(_t(f["severity"], SEV_COLOURS.get(f["severity"], "")), _t(f["file"]),
                      _t(f["detail"]))
        con.print(t)
    else:
        con.print(Text("Security (static): no findings", style="green"))
    op = d["openness"]
    rated = []
    for mid, links in [(d["id"], op.get("model")), *op.get("roots", {}).items()]:
        for m in (links or {}).get("mof", []):
            rated.append(f"{mid}: MOF {m['class']}")
        for s in (links or {}).get("osai", []):
            top = s.get("score_max") or 14
            edition = f" {s['edition']}" if s.get("edition") else ""
            role = f", {s['role']} model" if s.get("role") else ""
            rated.append(f"{mid}: OSAI{edition} {s['score']:g}/{top:g} (rank {s['rank']}{role})")
    con.print(Text("Openness: ", style="bold") + _t("; ".join(rated) or "no rating linked"))
    for n in [*d["notes"], *op.get("notes", [])]:
        con.print(_t(f"note: {n}", "dim"))
    con.print(_t("Not legal advice: read the licences (docs/check.md).", "dim"))


COMMANDS = (
    Command(("check",), "Due diligence on one model: origin, lineage, licences and duties, "
            "conflicts, openness, static security flags, and a verdict for your use.",
            (Param("target", positional=True, required=True, max_length=4096,
                   help="A Hub model id (org/name) or a local model folder."),
             Param("use", default="commercial", choices=("commercial", "research", "saas"),
                   help="Declared use."),
             Param("users", "int", minimum=0, help="Monthly active users of your product."),
             Param("online", "bool", default=False,
                   help="Fetch the model (and unknown bases) from the Hub API."),
             Param("endpoint", max_length=2048,
                   help="Hub API endpoint (default $HF_ENDPOINT or https://huggingface.co)."),
             Param("download", "bool", default=False,
                   help="Fetch the repo's files (within MODELATLAS_CHECK_DOWNLOAD_MAX bytes) "
                        "and scan them for real; implies --online."),
             Param("fail_on", choices=("blocked", "conditions"),
                   help="Exit 3 when the verdict reaches this (for CI gates)."),
             Param("as_json", "bool", default=False, flag="--json", help="One JSON object."),
             Param("cyclonedx", "bool", default=False,
                   help="A CycloneDX 1.6 ML-BOM (JSON)."),
             Param("spdx", "bool", default=False,
                   help="An SPDX 3.0.1 document with the AI profile (JSON-LD).")),
            check_cmd),
)
