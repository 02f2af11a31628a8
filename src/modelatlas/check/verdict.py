"""The verdict for the declared use: ``ok``, ``conditions`` or ``blocked``.

A pure function of three lists, so it is easy to test and to explain:

* blocked when any licence forbids the use (non-commercial terms, a user cap
  exceeded, no licence at all, a non-commercial ancestor) or any security
  finding is critical or high (a dangerous pickle import, a malformed header,
  custom code calling the shell);
* conditions when there are duties to fulfil, licence warnings (laundering,
  gated or removed base, unknown ancestor licence) or medium findings (custom
  code to review, non-allowlisted pickle imports);
* ok otherwise (low/info findings are reported but do not change it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelatlas.check.conflicts import Conflict
from modelatlas.check.findings import BLOCKING, Finding
from modelatlas.check.obligations import Duty

VERDICTS = ("ok", "conditions", "blocked")


@dataclass
class Verdict:
    verdict: str
    reasons: list[str] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)


def decide(blocking: list[str], duties: list[Duty], conflicts: list[Conflict],
           findings: list[Finding]) -> Verdict:
    """Combine licence prohibitions, duties, conflicts and security findings."""
    reasons = list(blocking)
    reasons += [c.detail for c in conflicts if c.severity == "blocking"]
    reasons += [f"security ({f.severity}): {f.file}: {f.detail}"
                for f in findings if f.severity in BLOCKING]
    if reasons:
        return Verdict("blocked", _unique(reasons), duties)
    cond = [c.detail for c in conflicts if c.severity == "warning"]
    cond += [f"security (medium): {f.file}: {f.detail}"
             for f in findings if f.severity == "medium"]
    if duties:
        cond.append(f"{len(duties)} licence dut{'y' if len(duties) == 1 else 'ies'} to fulfil")
    if cond:
        return Verdict("conditions", _unique(cond), duties)
    return Verdict("ok", [], duties)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
