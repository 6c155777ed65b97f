#!/usr/bin/env python3
"""Writes data/icd10cm/codes.tsv and data/icd10cm/PROVENANCE.md from the ICD-10-CM release
that the PyPI package simple-icd-10-cm bundles (the NCHS/CDC tabular XML and code list).

    python3 scripts/import-icd10cm.py            # writes data/icd10cm/ in this repo
    python3 scripts/import-icd10cm.py --out DIR  # writes somewhere else

Needs only python3 and network access to PyPI the first time. The package is pinned by version
and by the sha256 of its wheel; the wheel is fetched once (with pip when this python has it,
otherwise from the index's simple API with urllib), checked against the hash, and unpacked into
${XDG_CACHE_HOME:-~/.cache}/rounds/. It is a pure-Python wheel, so unpacking it is installing it.

codes.tsv is deterministic: the same pinned package gives the same bytes on every run.
PROVENANCE.md carries the generation date (SOURCE_DATE_EPOCH, if set, fixes it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import warnings
import xml.etree.ElementTree as ET
import zipfile
from html import unescape
from pathlib import Path

PACKAGE = "simple-icd-10-cm"
VERSION = "1.5.0"
WHEEL = "simple_icd_10_cm-1.5.0-py3-none-any.whl"
WHEEL_SHA256 = "6d461d71dc26aedc530ae65f02cfb578a154e49507c32e8241e75f701d4b7e42"

REPO = Path(__file__).resolve().parent.parent

# Sanity bounds and well-known codes: the import fails rather than write a wrong table.
MIN_CODES, MAX_CODES = 70_000, 120_000
SPOT = {
    "J02.9": (1, "Acute pharyngitis, unspecified"),
    "J02.0": (1, "Streptococcal pharyngitis"),
    "J02": (0, "Acute pharyngitis"),
    "I10": (1, "Essential (primary) hypertension"),
    "E11.9": (1, "Type 2 diabetes mellitus without complications"),
    "R50.9": (1, "Fever, unspecified"),
    "J06.9": (1, "Acute upper respiratory infection, unspecified"),
    "N39.0": (1, "Urinary tract infection, site not specified"),
    "H66.90": (1, "Otitis media, unspecified, unspecified ear"),
    "Z00.00": (1, "Encounter for general adult medical examination without abnormal findings"),
    "S72.001A": (1, "Fracture of unspecified part of neck of right femur, "
                    "initial encounter for closed fracture"),
}


def log(msg: str) -> None:
    print(f"import-icd10cm: {msg}", file=sys.stderr)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- getting the pinned package

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rounds" / f"{PACKAGE}-{VERSION}"


def fetch_wheel(dest: Path) -> Path:
    """Downloads the pinned wheel into dest and returns its path, hash checked."""
    wheel = dest / WHEEL
    has_pip = subprocess.run([sys.executable, "-m", "pip", "--version"],
                             capture_output=True).returncode == 0
    if has_pip:
        req = dest / "requirements.txt"
        req.write_text(f"{PACKAGE}=={VERSION} --hash=sha256:{WHEEL_SHA256}\n")
        log(f"pip download {PACKAGE}=={VERSION}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "--require-hashes", "-r", str(req),
                        "-d", str(dest)], check=True)
    else:
        # Debian's python3 ships without pip (and without ensurepip, so no venv either): read
        # the index's simple API page for the package (PEP 503), as pip does.
        index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
        page = f"{index}/{PACKAGE}/"
        log(f"no pip for {sys.executable}; fetching {WHEEL} from {page}")
        with urllib.request.urlopen(page, timeout=60) as r:
            html = r.read().decode("utf-8")
        links = [urllib.parse.urljoin(page, unescape(h))
                 for h in re.findall(r'href="([^"]+)"', html)]
        urls = [u for u in links if urllib.parse.urlsplit(u).path.rsplit("/", 1)[-1] == WHEEL]
        if not urls:
            sys.exit(f"import-icd10cm: {WHEEL} is not listed at {page}")
        with urllib.request.urlopen(urls[0], timeout=120) as r, open(wheel, "wb") as f:
            while chunk := r.read(1 << 20):
                f.write(chunk)
    got = sha256(wheel)
    if got != WHEEL_SHA256:
        wheel.unlink()
        sys.exit(f"import-icd10cm: {WHEEL} sha256 {got}, expected {WHEEL_SHA256}")
    return wheel


def ensure_package() -> Path:
    """Returns a directory to put on sys.path that holds the pinned package."""
    site = cache_dir() / "site"
    marker = site / ".complete"
    if marker.exists() and marker.read_text().strip() == WHEEL_SHA256:
        return site
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        wheel = fetch_wheel(Path(tmp))
        unpacked = Path(tmp) / "site"
        with zipfile.ZipFile(wheel) as z:
            z.extractall(unpacked)
        if site.exists():
            shutil.rmtree(site)
        unpacked.rename(site)
    marker.write_text(WHEEL_SHA256 + "\n")
    return site


def import_package():
    site = ensure_package()
    sys.path.insert(0, str(site))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import simple_icd_10_cm as cm  # noqa: E402 (loads and parses the bundled release)
    import importlib.metadata as md
    dist = md.distribution(PACKAGE)
    if dist.version != VERSION or not Path(cm.__file__).resolve().is_relative_to(site.resolve()):
        sys.exit(f"import-icd10cm: imported {cm.__file__} {dist.version}, wanted {VERSION} "
                 f"from {site}")
    data_warnings = [w for w in caught if not issubclass(w.category, DeprecationWarning)]
    for w in data_warnings:
        log(f"package warning: {w.message}")
    if data_warnings:
        sys.exit("import-icd10cm: the package reported defects in its data; not writing")
    return cm, dist, site


# ---------------------------------------------------------------- building the table

def clean_extension_texts(xml_path: Path) -> dict[str, str]:
    """The package stores a 7th-character meaning as '<extension>/<note>/<note>...'; the title
    of the code is only the <extension> text. Maps the package's string to that text."""
    out: dict[str, str] = {}
    for scd in ET.parse(xml_path).getroot().iter("sevenChrDef"):
        last = None
        for el in scd:
            if el.tag == "extension":
                last = el.text or ""
                merged = last
                out[merged] = last
            elif el.tag == "note" and last is not None and el.text is not None:
                merged = merged + "/" + el.text
                out[merged] = last
    return out


def build_rows(cm, xml_path: Path) -> tuple[list[tuple[str, int, str]], dict[str, int]]:
    clean = clean_extension_texts(xml_path)
    rows: dict[str, tuple[int, str]] = {}
    stats = {"chapters": 0, "blocks": 0, "single": 0, "extended": 0, "noted": 0}
    for code in cm.get_all_codes(with_dots=True):
        # Chapters ("1".."22") and blocks ("A00-A09") are headings, not codes. A block that holds
        # a single category has the category's name ("B99"): that name is kept, as the category
        # (get_all_codes lists it twice, once for the block and once for the category).
        if code in rows:
            stats["single"] += 1
            continue
        if not cm.is_category_or_subcategory(code):
            stats["chapters" if cm.is_chapter(code) else "blocks"] += 1
            continue
        desc = cm.get_description(code)
        if cm.is_extended_subcategory(code):
            # Generated by the package from a sevenChrDef rule: "<parent title>, <meaning>".
            parent = cm.get_parent(code)
            merged = cm.get_seven_chr_def(parent, search_in_ancestors=True)[code[-1]]
            parent_desc = cm.get_description(parent)
            if desc != f"{parent_desc}, {merged}":
                sys.exit(f"import-icd10cm: unexpected title for {code}: {desc!r}")
            desc = f"{parent_desc}, {clean[merged]}"
            stats["extended"] += 1
            stats["noted"] += clean[merged] != merged
        billable = 1 if cm.is_leaf(code) else 0
        for ch in "\t\r\n":
            if ch in code or ch in desc:
                sys.exit(f"import-icd10cm: {ch!r} in {code!r} / {desc!r}")
        if desc != desc.strip() or not desc:
            sys.exit(f"import-icd10cm: bad description for {code}: {desc!r}")
        rows[code] = (billable, desc)
    return [(c, b, d) for c, (b, d) in sorted(rows.items())], stats


def check(rows: list[tuple[str, int, str]]) -> None:
    if not MIN_CODES <= len(rows) <= MAX_CODES:
        sys.exit(f"import-icd10cm: {len(rows)} codes, outside {MIN_CODES}-{MAX_CODES}")
    by_code = {c: (b, d) for c, b, d in rows}
    for code, want in SPOT.items():
        if by_code.get(code) != want:
            sys.exit(f"import-icd10cm: {code} is {by_code.get(code)!r}, expected {want!r}")


# ---------------------------------------------------------------- writing

NOTICE_WORDS = ("copyright", "\u00a9", "(c)", "licen", "public domain", "rights reserved",
                "permission", "world health", "who ")


def notice_hits(xml_path: Path, list_path: Path) -> tuple[list[str], str]:
    """Looks for notices where a data file would carry one: the XML's front matter (everything
    before the first chapter: <version> and <introduction>), XML comments, and any line of the
    code list that is not a bare code. Returns the suspicious lines and what was searched."""
    xml = xml_path.read_text(encoding="utf-8")
    front = xml[: xml.index("<chapter>")]
    parts = [("XML front matter", front)]
    parts += [("XML comment", c) for c in re.findall(r"<!--.*?-->", xml, flags=re.S)]
    odd = [l for l in list_path.read_text(encoding="utf-8").splitlines()
           if l.strip() and not re.fullmatch(r"[0-9A-Z]+(-[0-9A-Z]+)?", l.strip())]
    parts += [("code list line", l) for l in odd]
    hits = []
    for where, text in parts:
        for line in text.splitlines():
            if any(w in line.lower() for w in NOTICE_WORDS):
                hits.append(f"{where}: `{line.strip()[:200]}`")
    searched = (f"the tabular XML's front matter (before its first `<chapter>`), its XML comments "
                f"({len(parts) - 1 - len(odd)}), and the code list's lines that are not bare codes "
                f"({len(odd)})")
    return hits, searched


def write_provenance(path: Path, *, cm, dist, site: Path, xml_path: Path, list_path: Path,
                     xml_version: str, rows, tsv: Path, generated: str, skipped: dict) -> None:
    billable = sum(b for _, b, _ in rows)
    n_ext = skipped["extended"]
    lic_files = sorted(p for p in (site / f"{dist.metadata['Name']}-{VERSION}.dist-info").rglob("*")
                       if p.is_file() and "licen" in p.name.lower())
    lic_text = lic_files[0].read_text(encoding="utf-8") if lic_files else ""
    lic_line = next((l.strip() for l in lic_text.splitlines() if "Copyright" in l), "none")
    classifiers = [v for k, v in dist.metadata.items() if k == "Classifier" and "License" in v]
    home = dist.metadata.get("Home-page", "not stated")
    rel = lambda p: p.relative_to(site).as_posix()  # noqa: E731
    hits, searched = notice_hits(xml_path, list_path)
    words = ", ".join(f'"{w.strip()}"' for w in NOTICE_WORDS)
    if hits:
        notices = (f"searching {searched} for {words} found these lines; read them:\n" +
                   "\n".join(f"  - {h}" for h in hits))
    else:
        notices = (f"the bundled tabular XML and code list carry **no** copyright, licence or "
                   f"public-domain notice of their own: {searched} were searched, "
                   f"case-insensitively, for {words}, with no hit.")
    text = f"""# ICD-10-CM code table: provenance

`codes.tsv` is generated. Do not edit it by hand; regenerate it:

```sh
python3 scripts/import-icd10cm.py
```

Generated on {generated} by `scripts/import-icd10cm.py`.

## Source

- **Code set:** ICD-10-CM (International Classification of Diseases, Tenth Revision, Clinical
  Modification), published by the National Center for Health Statistics (NCHS) of the CDC; the
  diagnosis code set adopted under HIPAA, also distributed by CMS.
- **Release:** fiscal year {xml_version}, April 1, {xml_version} update. The XML's own
  `<version>` element says `{xml_version}`; the April 1 update is named only by the file names
  the package ships (`{xml_path.name}`, `{list_path.name}`) and by its release notes ("the
  default ICD-10-CM release of the library is now the April 2026 release").
- **Delivered through:** the PyPI package `{PACKAGE}` version **{dist.version}**
  (wheel `{WHEEL}`, sha256 `{WHEEL_SHA256}`; project page {home}). Its README says the data
  "was taken from the website of the CDC". Whether the two bundled files are byte-identical
  to NCHS's own release files was **not determined** (NCHS's files were not reachable from
  where this was generated).
- **Files read:**
  - `{rel(xml_path)}` (sha256 `{sha256(xml_path)}`): the ICD-10-CM tabular list in NCHS's XML
    format: chapters, blocks, categories, subcategories, titles and the 7th-character rules.
  - `{rel(list_path)}` (sha256 `{sha256(list_path)}`): the package's list of every code in the
    release, which decides which 7th-character codes exist.

## What `codes.tsv` holds

UTF-8, tab-separated, `\\n` line ends, header `code<TAB>billable<TAB>description`, sorted by
code (byte order), codes in the dotted form (`J02.9`, `S72.001A`).

- **Rows:** {len(rows)} codes, of which **{billable} billable** (`billable` = 1) and
  {len(rows) - billable} non-billable headers (`billable` = 0).
- **billable = 1** for a code with no children in the classification, i.e. valid for HIPAA
  claims; **0** for a category or subcategory that has children (e.g. `J02`), which must be
  coded to a further character. This follows the package's tree (`is_leaf`), which includes
  the 7th-character codes.
- **Chapters and blocks are left out** ({skipped['chapters']} chapters such as `1`
  ("{skipped['chapter1']}"), and {skipped['blocks']} blocks
  such as `A00-A09`): they are ranges, not codes. {skipped['single']} blocks contain a
  single category and carry that category's name (e.g. `B99`); the name appears once, as the
  category.
- **7th-character codes:** the tabular XML does not list most codes built with a 7th
  character (e.g. `S72.001A`); they are generated from the XML's `sevenChrDef` rules and kept
  only when the code list contains them ({n_ext} codes). Their title is
  `<parent title>, <7th-character meaning>`, the form the package uses and the tabular's
  rules give. Where a 7th-character definition carries an extra note (e.g. `H35.3113`: "advanced
  atrophic without subfoveal involvement" with the note "advanced dry stage"), the package
  appends the note after a `/`; this script drops the note and keeps the definition itself
  ({skipped['noted']} codes). Whether every such title is word for word NCHS's published long
  title (the `icd10cm-order` file) was **not determined**.
- **Descriptions** are the tabular's `<desc>` text unchanged (a few carry accented letters,
  e.g. `C84.10` "Sézary disease, unspecified site").
- sha256 of `codes.tsv`: `{sha256(tsv)}`.

## Licences and notices

- **The package `{PACKAGE}` {dist.version}:** {', '.join(classifiers) or 'no licence classifier'};
  its licence file says "{lic_line}" and grants rights to "this software and associated
  documentation files". Whether that licence is meant to cover the bundled ICD-10-CM data,
  which the author took from the CDC, is **not determined**; nothing in the package says so.
  The package's code is not vendored here: only the table derived from its data files is.
- **The ICD-10-CM data files:** {notices}
- **NCHS/CDC:** ICD-10-CM is produced by NCHS, a US federal agency. Works prepared by US
  government employees as part of their duties are not protected by US copyright
  (17 U.S.C. § 105), but whether the ICD-10-CM as a whole is in the public domain, in the US
  or elsewhere, is **not determined** here: it is an adaptation of the WHO's ICD-10.
- **WHO:** the ICD-10, on which ICD-10-CM is based, is published by the World Health
  Organization, which holds copyright in it. What permission, if any, WHO requires for
  redistributing the US clinical modification is **not determined** from anything in hand.
  Before shipping this table outside the US, or in a product whose terms depend on it, check
  the notices on NCHS's ICD-10-CM page and in the release's own documents.
"""
    path.write_text(text, encoding="utf-8", newline="\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "data" / "icd10cm")
    args = ap.parse_args()

    cm, dist, site = import_package()
    mod = sys.modules["simple_icd_10_cm.simple_icd_10_cm"]
    data_dir = site / "simple_icd_10_cm" / "data"
    xml_path = data_dir / mod._classification_data_package_file_name
    list_path = data_dir / mod._all_codes_package_file_name
    xml_version = (ET.parse(xml_path).getroot().findtext("version") or "").strip()
    if not xml_version:
        sys.exit("import-icd10cm: no <version> in the tabular XML")

    rows, skipped = build_rows(cm, xml_path)
    check(rows)
    skipped["chapter1"] = cm.get_description("1")

    args.out.mkdir(parents=True, exist_ok=True)
    tsv = args.out / "codes.tsv"
    tmp = tsv.with_suffix(".tsv.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("code\tbillable\tdescription\n")
        for code, billable, desc in rows:
            f.write(f"{code}\t{billable}\t{desc}\n")
    tmp.replace(tsv)

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch
            else dt.datetime.now(dt.timezone.utc)).date().isoformat()
    write_provenance(args.out / "PROVENANCE.md", cm=cm, dist=dist, site=site,
                     xml_path=xml_path, list_path=list_path, xml_version=xml_version,
                     rows=rows, tsv=tsv, generated=when, skipped=skipped)

    billable = sum(b for _, b, _ in rows)
    log(f"ICD-10-CM FY{xml_version} ({PACKAGE} {VERSION}): {len(rows)} codes, "
        f"{billable} billable -> {tsv} ({tsv.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
