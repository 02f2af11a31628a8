"""The verdict for the declared use: ``ok``, ``conditions`` or ``blocked``.

A pure function of three lists, so it is easy to test and to explain:

* blocked when any licence forbids the use (non-commercial terms, a user cap
  exceeded, no licence at all, a non-commercial ancestor) or any security
  finding is critical or high (a dangerous pickle import, a malformed header,
  custom code calling the shell);
* conditions when there are duties to fulfil, licence warnings (laundering,
  gated or removed base, unknown ancestor licence) or medium findings (custom
  code to review, non-allowlisted pickle imports);
* ok otherwise (low/info findings are reported but do not change it; routine
  duties such as keeping the licence notice are listed but do not change it).

:func:`reaches` and :func:`exit_code` are the ``--fail-on`` gate for CI: exit 3
when the verdict reaches the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelatlas.check.conflicts import Conflict
from modelatlas.check.findings import BLOCKING, Finding
from modelatlas.check.obligations import ROUTINE, Duty
from modelatlas.errors import UsageError

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
    binding = [d for d in duties if d.kind not in ROUTINE]
    if binding:
        cond.append(f"{len(binding)} licence dut{'y' if len(binding) == 1 else 'ies'} "
                    "to fulfil")
    if cond:
        return Verdict("conditions", _unique(cond), duties)
    return Verdict("ok", [], duties)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


FAIL_ON = ("blocked", "conditions")
FAIL_EXIT = 3


def reaches(verdict: str, fail_on: str | None) -> bool:
    """True when ``verdict`` is at least as severe as ``fail_on`` (None: never)."""
    if fail_on is None:
        return False
    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on must be one of {'|'.join(FAIL_ON)}, not {fail_on!r}")
    return VERDICTS.index(verdict) >= VERDICTS.index(fail_on)


def exit_code(verdict: str, fail_on: str | None) -> int:
    """The process exit code for a finished check: 3 when the gate is reached, else 0."""
    return FAIL_EXIT if reaches(verdict, fail_on) else 0
