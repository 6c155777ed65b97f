#!/usr/bin/env python3
"""Validates the order catalogues: data/loinc/labs.tsv and data/rxnorm/medications.tsv.

    python3 scripts/check-orders.py                     # checks both files in this repo
    python3 scripts/check-orders.py --labs F --meds F   # checks other files
    python3 scripts/check-orders.py --canvas-wheel W    # also cross-checks names against W

Checks, for both files: strict UTF-8 without a byte-order mark, `\\n` line ends, a final newline,
the exact header, the column count of every row, no field with leading or trailing whitespace,
no control characters, no empty name or display, no duplicate code and no duplicate display.
labs.tsv: LOINC codes of the form NNNNN-C whose check digit C is right (mod 10, the algorithm in
the LOINC Users' Guide), categories in lower snake_case. medications.tsv: numeric RxCUIs and a
term type in {SCD, SBD, GPCK, BPCK}; default_sig may be empty (no sensible default).

--canvas-wheel takes the wheel of the PyPI package `canvas` (the one named in
data/rxnorm/PROVENANCE.md) and compares each code that its eCQM value sets also list with the
name they give it; a different name is an error. The wheel is read with zipfile, nothing is
installed or imported from it.

Prints one line per problem and exits 1 if there is any; on success prints one summary line.
Standard library only.
"""
from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABS = REPO / "data" / "loinc" / "labs.tsv"
MEDS = REPO / "data" / "rxnorm" / "medications.tsv"

LABS_HEADER = ["loinc", "name", "display", "category"]
MEDS_HEADER = ["rxcui", "name", "tty", "display", "default_sig"]
TTYS = {"SCD", "SBD", "GPCK", "BPCK"}

LOINC_RE = re.compile(r"^([0-9]{1,7})-([0-9])$")
RXCUI_RE = re.compile(r"^[1-9][0-9]{0,9}$")
CATEGORY_RE = re.compile(r"^[a-z]+(_[a-z]+)*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")


def loinc_check_digit(number: str) -> int:
    """The LOINC mod-10 check digit of the part before the hyphen (Luhn: double every second
    digit starting with the rightmost, add the digits, distance to the next multiple of 10)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


class Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: Path, line: int | None, msg: str) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        self.lines.append(f"{where}: {msg}")


def read_rows(path: Path, header: list[str], probs: Problems) -> list[tuple[int, list[str]]]:
    """Returns (line number, fields) for each data row; records format problems."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        probs.add(path, None, f"cannot read: {e}")
        return []
    if raw.startswith(b"\xef\xbb\xbf"):
        probs.add(path, 1, "starts with a UTF-8 byte-order mark")
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        probs.add(path, None, f"not valid UTF-8: {e}")
        return []
    if "\r" in text:
        probs.add(path, None, "contains carriage returns (use \\n line ends)")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        probs.add(path, None, "is empty")
        return []
    if not text.endswith("\n"):
        probs.add(path, None, "does not end with a newline")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].split("\t") != header:
        got = lines[0].split("\t") if lines else []
        probs.add(path, 1, f"header is {got!r}, expected {header!r}")
        return []
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        if line == "":
            probs.add(path, n, "blank line")
            continue
        if line.endswith(" "):
            probs.add(path, n, "trailing space")
        fields = line.split("\t")
        if len(fields) != len(header):
            probs.add(path, n, f"{len(fields)} fields, expected {len(header)}")
            continue
        for col, value in zip(header, fields):
            if value != value.strip():
                probs.add(path, n, f"{col} has leading or trailing whitespace: {value!r}")
            if CONTROL_RE.search(value):
                probs.add(path, n, f"{col} contains a control character: {value!r}")
            if "  " in value:
                probs.add(path, n, f"{col} contains a double space: {value!r}")
        rows.append((n, fields))
    if not rows:
        probs.add(path, None, "has no data rows")
    return rows


def check_unique(path: Path, rows, index: int, what: str, probs: Problems) -> None:
    first: dict[str, int] = {}
    for n, fields in rows:
        key = fields[index] if what == "code" else fields[index].casefold()
        if key in first:
            probs.add(path, n, f"duplicate {what} {fields[index]!r} (first on line {first[key]})")
        else:
            first[key] = n


def check_labs(path: Path, probs: Problems) -> dict[str, str]:
    rows = read_rows(path, LABS_HEADER, probs)
    for n, (code, name, display, category) in rows:
        m = LOINC_RE.match(code)
        if not m:
            probs.add(path, n, f"LOINC code {code!r} is not of the form NNNNN-C")
        else:
            want = loinc_check_digit(m.group(1))
            if int(m.group(2)) != want:
                probs.add(path, n, f"LOINC code {code!r} has check digit {m.group(2)}, "
                                   f"expected {want}")
        if not name.strip():
            probs.add(path, n, f"{code}: empty name")
        if not display.strip():
            probs.add(path, n, f"{code}: empty display")
        if not CATEGORY_RE.match(category):
            probs.add(path, n, f"{code}: category {category!r} is not lower snake_case")
    check_unique(path, rows, 0, "code", probs)
    check_unique(path, rows, 2, "display", probs)
    return {fields[0]: fields[1] for _, fields in rows}


def check_meds(path: Path, probs: Problems) -> tuple[dict[str, str], Counter]:
    rows = read_rows(path, MEDS_HEADER, probs)
    ttys: Counter = Counter()
    for n, (rxcui, name, tty, display, _sig) in rows:
        if not RXCUI_RE.match(rxcui):
            probs.add(path, n, f"RxCUI {rxcui!r} is not a positive integer")
        if tty not in TTYS:
            probs.add(path, n, f"{rxcui}: tty {tty!r} is not one of {sorted(TTYS)}")
        ttys[tty] += 1
        if not name.strip():
            probs.add(path, n, f"{rxcui}: empty name")
        if not display.strip():
            probs.add(path, n, f"{rxcui}: empty display")
        if tty == "SBD" and not name.endswith("]"):
            probs.add(path, n, f"{rxcui}: tty SBD but the name has no [Brand]")
        if tty in ("GPCK", "BPCK") and not name.startswith("{"):
            probs.add(path, n, f"{rxcui}: tty {tty} but the name is not a {{...}} Pack")
    check_unique(path, rows, 0, "code", probs)
    check_unique(path, rows, 3, "display", probs)
    return {fields[0]: fields[1] for _, fields in rows}, ttys


# One `"CODE",  # Name` line of a canvas_sdk value set class attribute such as `LOINC = {`.
VS_SYSTEM_RE = re.compile(r"^\s+([A-Z0-9_]+) = \{\s*$")
VS_CODE_RE = re.compile(r"""^\s+["']([^"']+)["'],\s*#\s*(.*?)\s*$""")


def canvas_names(wheel: Path) -> dict[str, dict[str, str]]:
    """{'LOINC': {code: name}, 'RXNORM': {...}} from canvas_sdk/value_set/**.py in the wheel;
    where versions disagree the newest value-set year wins."""
    out: dict[str, dict[str, str]] = {"LOINC": {}, "RXNORM": {}}
    with zipfile.ZipFile(wheel) as z:
        files = sorted((n for n in z.namelist()
                        if n.startswith("canvas_sdk/value_set/") and n.endswith(".py")),
                       reverse=True)  # v2026 before v2022
        for member in files:
            system = None
            for line in z.read(member).decode("utf-8").splitlines():
                m = VS_SYSTEM_RE.match(line)
                if m:
                    system = m.group(1)
                    continue
                if line.strip() == "}":
                    system = None
                    continue
                m = VS_CODE_RE.match(line)
                if m and system in out:
                    out[system].setdefault(m.group(1), m.group(2))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labs", type=Path, default=LABS)
    ap.add_argument("--meds", type=Path, default=MEDS)
    ap.add_argument("--canvas-wheel", type=Path,
                    help="wheel of the PyPI package canvas to cross-check names against")
    args = ap.parse_args()

    probs = Problems()
    labs = check_labs(args.labs, probs)
    meds, ttys = check_meds(args.meds, probs)

    crossed = ""
    if args.canvas_wheel:
        try:
            ref = canvas_names(args.canvas_wheel)
        except (OSError, zipfile.BadZipFile) as e:
            probs.add(args.canvas_wheel, None, f"cannot read wheel: {e}")
            ref = {"LOINC": {}, "RXNORM": {}}
        n_l = n_r = 0
        for code, name in labs.items():
            if code in ref["LOINC"]:
                n_l += 1
                if ref["LOINC"][code] != name:
                    probs.add(args.labs, None, f"{code}: name {name!r} but the eCQM value sets "
                                               f"say {ref['LOINC'][code]!r}")
        for code, name in meds.items():
            if code in ref["RXNORM"]:
                n_r += 1
                if ref["RXNORM"][code] != name:
                    probs.add(args.meds, None, f"{code}: name {name!r} but the eCQM value sets "
                                               f"say {ref['RXNORM'][code]!r}")
        crossed = f"; names match the canvas value sets for {n_l} LOINC and {n_r} RxNorm codes"

    for line in probs.lines:
        print(f"check-orders: {line}", file=sys.stderr)
    if probs.lines:
        print(f"check-orders: FAILED with {len(probs.lines)} problem(s)", file=sys.stderr)
        return 1
    tty_text = ", ".join(f"{n} {t}" for t, n in sorted(ttys.items()))
    print(f"check-orders: ok: {len(labs)} LOINC lab orders, {len(meds)} RxNorm medications "
          f"({tty_text}){crossed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
