"""Dependency audit: `pip-audit` over requirements.lock, with an honest verdict.

pip-audit asks a vulnerability service (PyPI's JSON API by default, or OSV) about
every pinned package. When that service cannot be reached it *skips* the packages
and still prints "No known vulnerabilities found" with exit code 0 — a fake pass.
This wrapper reads pip-audit's JSON and decides:

    exit 0  clean: every package audited, no known vulnerability
    exit 1  vulnerabilities found (listed, with the fixed versions)
    exit 3  NOT AUDITED: the service was unreachable for some packages (says how many)
    exit 2  pip-audit itself could not run

    python -m govpub_dev.audit [--lock requirements.lock] [--service pypi|osv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from govpub.settings import REPO_ROOT

CLEAN, VULNERABLE, ERROR, NOT_AUDITED = 0, 1, 2, 3


@dataclass
class Verdict:
    code: int
    audited: int = 0
    skipped: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)

    def lines(self, total: int, service: str) -> list[str]:
        if self.code == VULNERABLE:
            return [f"pip-audit: {len(self.vulnerable)} known vulnerabilities in requirements.lock:",
                    *(f"  {v}" for v in self.vulnerable)]
        if self.code == NOT_AUDITED:
            return [
                f"pip-audit: NOT AUDITED — the {service} vulnerability service could not be reached or did not "
                f"know {len(self.skipped)} of {total} packages; this is not a pass.",
                f"  first skip reason: {self.skipped[0]}",
                *([f"  (the {len(self.vulnerable)} vulnerabilities found so far:)", *self.vulnerable]
                  if self.vulnerable else []),
            ]
        return [f"pip-audit: clean — {self.audited} pinned packages audited against {service}, no known vulnerability"]


def judge(report: dict) -> Verdict:
    """Verdict from pip-audit's `--format json` output."""
    verdict = Verdict(CLEAN)
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            verdict.skipped.append(dep["skip_reason"])
            continue
        verdict.audited += 1
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            verdict.vulnerable.append(f"{dep['name']} {dep.get('version', '?')}: {vuln.get('id')} (fixed in {fixes})")
    if verdict.skipped:
        verdict.code = NOT_AUDITED
    elif verdict.vulnerable:
        verdict.code = VULNERABLE
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m govpub_dev.audit",
        description="Audit requirements.lock with pip-audit; exit 0 clean, 1 vulnerable, 3 not audited "
        "(vulnerability service unreachable), 2 pip-audit failed.",
    )
    parser.add_argument("--lock", type=Path, default=REPO_ROOT / "requirements.lock")
    parser.add_argument("--service", choices=("pypi", "osv"), default="pypi")
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "pip_audit", "-r", str(args.lock), "--no-deps", "--disable-pip",
               "--progress-spinner", "off", "--format", "json", "--vulnerability-service", args.service]
    print(f"==> pip-audit over {args.lock.name} ({args.service})", file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        if "ConnectionError" in result.stderr or "NameResolution" in result.stderr:
            print(f"pip-audit: NOT AUDITED — the {args.service} vulnerability service is unreachable ({tail[:300]}); "
                  "this is not a pass.", file=sys.stderr)
            return NOT_AUDITED
        print(f"pip-audit: could not run ({tail[:300]})", file=sys.stderr)
        return ERROR
    verdict = judge(report)
    total = len(report.get("dependencies", []))
    for line in verdict.lines(total, args.service):
        print(line, file=sys.stderr if verdict.code else sys.stdout)
    return verdict.code


if __name__ == "__main__":
    sys.exit(main())
