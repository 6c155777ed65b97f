#!/usr/bin/env python3
"""Validates the complaint catalogs in data/complaints/ (see data/complaints/README.md).

    python3 scripts/check-complaints.py              # checks every data/complaints/*.json
    python3 scripts/check-complaints.py FILE [...]   # checks the given files

Checks the schema field by field, unique codes and labels, ranks 1..n without gaps, the number of
complaints, that every ICD-10-CM code exists in data/icd10cm/codes.tsv (a warning when it is not
billable), non-empty normals, the system vocabulary, button labels of 1-4 words and no duplicate
options. Prints one line per problem and exits 1 if there is any error (warnings alone exit 0).
Standard library only.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATALOG_DIR = REPO / "data" / "complaints"
CODES_TSV = REPO / "data" / "icd10cm" / "codes.tsv"

# The chief-complaint page shows 8-12 buttons; a catalog needs at least 8 and should fill 12.
MIN_COMPLAINTS = 8
WANT_COMPLAINTS = 12
MAX_BUTTON_WORDS = 4

SYSTEMS = {
    "constitutional", "eyes", "ears", "nose", "throat", "neck", "respiratory", "cardiovascular",
    "gastrointestinal", "genitourinary", "musculoskeletal", "skin", "neurological", "psychiatric", "lymph",
}

CODE_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ICD_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")

TOP_KEYS = {"service_line", "title", "complaints"}
OPTIONAL_TOP_KEYS = {"response_target_minutes"}
COMPLAINT_KEYS = {"code", "label", "rank", "hpi", "ros", "exam", "red_flags", "icd10"}
PROMPT_KEYS = {"id", "label", "options", "multiple"}
SYSTEM_KEYS = {"system", "label", "normal", "abnormal"}


def load_codes(path: Path) -> dict[str, bool]:
    """code -> billable, from the tab-separated code table (header: code, billable, description)."""
    codes: dict[str, bool] = {}
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:2] != ["code", "billable"]:
            raise SystemExit(f"{path}: unexpected header {header!r}")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                codes[parts[0]] = parts[1] == "1"
    return codes


class Report:
    def __init__(self, name: str):
        self.name = name
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, where: str, msg: str) -> None:
        self.errors.append(f"{self.name}: {where}: {msg}")

    def warn(self, where: str, msg: str) -> None:
        self.warnings.append(f"{self.name}: {where}: {msg}")


def is_text(v) -> bool:
    return isinstance(v, str) and v.strip() != "" and v == v.strip()


def check_keys(rep: Report, where: str, obj, expected: set[str], optional: frozenset[str] = frozenset()) -> bool:
    if not isinstance(obj, dict):
        rep.error(where, f"expected an object, got {type(obj).__name__}")
        return False
    missing = expected - obj.keys()
    extra = obj.keys() - expected - optional
    if missing:
        rep.error(where, f"missing field(s): {', '.join(sorted(missing))}")
    if extra:
        rep.error(where, f"unknown field(s): {', '.join(sorted(extra))}")
    return not missing


def check_buttons(rep: Report, where: str, values, what: str, min_len: int = 1) -> None:
    """A list of button labels: non-empty strings, 1-4 words, no duplicates (ignoring case)."""
    if not isinstance(values, list):
        rep.error(where, f"{what} must be a list")
        return
    if len(values) < min_len:
        rep.error(where, f"{what} needs at least {min_len} entr{'y' if min_len == 1 else 'ies'}")
    seen: set[str] = set()
    for v in values:
        if not is_text(v):
            rep.error(where, f"{what}: {v!r} is not a non-empty trimmed string")
            continue
        if len(v.split()) > MAX_BUTTON_WORDS:
            rep.error(where, f"{what}: {v!r} is longer than {MAX_BUTTON_WORDS} words")
        key = v.casefold()
        if key in seen:
            rep.error(where, f"{what}: duplicate {v!r}")
        seen.add(key)


def check_systems(rep: Report, where: str, systems, kind: str) -> None:
    if not isinstance(systems, list) or not systems:
        rep.error(where, f"{kind} must be a non-empty list")
        return
    seen: set[str] = set()
    for i, s in enumerate(systems):
        w = f"{where}.{kind}[{i}]"
        if not check_keys(rep, w, s, SYSTEM_KEYS):
            continue
        sysid = s["system"]
        w = f"{where}.{kind}[{sysid}]"
        if sysid not in SYSTEMS:
            rep.error(w, f"system {sysid!r} is not in the vocabulary ({', '.join(sorted(SYSTEMS))})")
        if sysid in seen:
            rep.error(w, f"system {sysid!r} listed twice")
        seen.add(sysid)
        if not is_text(s["label"]):
            rep.error(w, "label must be a non-empty trimmed string")
        if not is_text(s["normal"]):
            rep.error(w, "normal must be a non-empty trimmed string")
        check_buttons(rep, w, s["abnormal"], "abnormal")
        if isinstance(s["abnormal"], list) and is_text(s["normal"]) and s["normal"] in s["abnormal"]:
            rep.error(w, "normal text repeated as an abnormal finding")


def check_catalog(path: Path, codes: dict[str, bool]) -> tuple[Report, dict]:
    rep = Report(path.name)
    stats = {"complaints": 0, "prompts": 0, "codes": set()}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        rep.error("file", f"cannot read JSON: {e}")
        return rep, stats
    if not check_keys(rep, "top level", doc, TOP_KEYS, frozenset(OPTIONAL_TOP_KEYS)):
        return rep, stats
    target = doc.get("response_target_minutes")
    if target is not None and (not isinstance(target, int) or isinstance(target, bool) or not 1 <= target <= 7 * 24 * 60):
        rep.error("response_target_minutes", f"{target!r} is not 1 to 10080 minutes")

    if not is_text(doc["service_line"]) or not CODE_RE.match(doc["service_line"]):
        rep.error("service_line", f"{doc['service_line']!r} is not a snake_case id")
    elif doc["service_line"] != path.stem:
        rep.error("service_line", f"{doc['service_line']!r} does not match the file name {path.stem!r}")
    if not is_text(doc["title"]):
        rep.error("title", "must be a non-empty trimmed string")

    complaints = doc["complaints"]
    if not isinstance(complaints, list):
        rep.error("complaints", "must be a list")
        return rep, stats
    n = len(complaints)
    stats["complaints"] = n
    if n < MIN_COMPLAINTS:
        rep.error("complaints", f"{n} complaint(s); the chief-complaint page needs at least {MIN_COMPLAINTS}")
    elif n < WANT_COMPLAINTS:
        rep.warn("complaints", f"only {n} complaints; the chief-complaint page shows up to {WANT_COMPLAINTS}")

    codes_seen: dict[str, int] = {}
    labels_seen: dict[str, int] = {}
    ranks: list[int] = []
    for i, c in enumerate(complaints):
        where = f"complaints[{i}]"
        if not check_keys(rep, where, c, COMPLAINT_KEYS):
            if isinstance(c, dict) and isinstance(c.get("rank"), int):
                ranks.append(c["rank"])  # keep the rank check about ranks, not about this entry
            continue
        code = c["code"]
        if not isinstance(code, str) or not CODE_RE.match(code):
            rep.error(where, f"code {code!r} is not snake_case")
        else:
            where = f"complaint {code!r}"
            if code in codes_seen:
                rep.error(where, f"duplicate code (also complaints[{codes_seen[code]}])")
            codes_seen[code] = i
        if not is_text(c["label"]):
            rep.error(where, "label must be a non-empty trimmed string")
        else:
            if len(c["label"].split()) > MAX_BUTTON_WORDS:
                rep.error(where, f"label {c['label']!r} is longer than {MAX_BUTTON_WORDS} words")
            key = c["label"].casefold()
            if key in labels_seen:
                rep.error(where, f"duplicate label {c['label']!r} (also complaints[{labels_seen[key]}])")
            labels_seen[key] = i
        if isinstance(c["rank"], bool) or not isinstance(c["rank"], int):
            rep.error(where, f"rank {c['rank']!r} is not an integer")
        else:
            ranks.append(c["rank"])

        # history prompts
        hpi = c["hpi"]
        if not isinstance(hpi, list) or not hpi:
            rep.error(where, "hpi must be a non-empty list")
        else:
            ids: set[str] = set()
            for j, p in enumerate(hpi):
                w = f"{where}.hpi[{j}]"
                if not check_keys(rep, w, p, PROMPT_KEYS):
                    continue
                stats["prompts"] += 1
                pid = p["id"]
                if not isinstance(pid, str) or not CODE_RE.match(pid):
                    rep.error(w, f"id {pid!r} is not snake_case")
                else:
                    w = f"{where}.hpi[{pid}]"
                    if pid in ids:
                        rep.error(w, "duplicate prompt id")
                    ids.add(pid)
                if not is_text(p["label"]):
                    rep.error(w, "label must be a non-empty trimmed string")
                if not isinstance(p["multiple"], bool):
                    rep.error(w, "multiple must be true or false")
                check_buttons(rep, w, p["options"], "options", min_len=2)

        check_systems(rep, where, c["ros"], "ros")
        check_systems(rep, where, c["exam"], "exam")

        flags = c["red_flags"]
        if not isinstance(flags, list) or not flags:
            rep.error(where, "red_flags must be a non-empty list")
        else:
            seen_flags: set[str] = set()
            for f in flags:
                if not is_text(f):
                    rep.error(where, f"red flag {f!r} is not a non-empty trimmed string")
                elif f.casefold() in seen_flags:
                    rep.error(where, f"duplicate red flag {f!r}")
                else:
                    seen_flags.add(f.casefold())

        icd = c["icd10"]
        if not isinstance(icd, list) or not icd:
            rep.error(where, "icd10 must be a non-empty list")
        else:
            seen_icd: set[str] = set()
            for code10 in icd:
                if not isinstance(code10, str) or not ICD_RE.match(code10):
                    rep.error(where, f"icd10 {code10!r} is not an ICD-10-CM code with a dot (e.g. J02.9)")
                    continue
                if code10 in seen_icd:
                    rep.error(where, f"icd10 {code10} listed twice")
                seen_icd.add(code10)
                if code10 not in codes:
                    rep.error(where, f"icd10 {code10} is not in {CODES_TSV.relative_to(REPO)}")
                else:
                    stats["codes"].add(code10)
                    if not codes[code10]:
                        rep.warn(where, f"icd10 {code10} is not billable (a category header)")

    if ranks and sorted(ranks) != list(range(1, len(complaints) + 1)):
        dup = sorted({r for r in ranks if ranks.count(r) > 1})
        missing = sorted(set(range(1, len(complaints) + 1)) - set(ranks))
        detail = []
        if dup:
            detail.append(f"repeated {dup}")
        if missing:
            detail.append(f"missing {missing}")
        rep.error("ranks", f"must be 1..{len(complaints)} without gaps ({'; '.join(detail) or 'out of range'})")
    return rep, stats


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] if argv else sorted(CATALOG_DIR.glob("*.json"))
    if not paths:
        print(f"no catalogs found in {CATALOG_DIR}", file=sys.stderr)
        return 1
    if not CODES_TSV.exists():
        print(f"missing {CODES_TSV}", file=sys.stderr)
        return 1
    codes = load_codes(CODES_TSV)
    errors = warnings = 0
    for path in paths:
        rep, stats = check_catalog(path, codes)
        for w in rep.warnings:
            print(f"warning: {w}")
        for e in rep.errors:
            print(f"error: {e}")
        errors += len(rep.errors)
        warnings += len(rep.warnings)
        status = "OK" if not rep.errors else f"{len(rep.errors)} error(s)"
        print(f"{path.name}: {stats['complaints']} complaints, {stats['prompts']} history prompts, "
              f"{len(stats['codes'])} distinct ICD-10-CM codes: {status}")
    if errors:
        print(f"FAILED: {errors} error(s), {warnings} warning(s)")
        return 1
    print(f"passed: {len(paths)} catalog(s), {warnings} warning(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
