"""Fill i18n/zh_CN.po from the tables of i18n_extra/*_zh_CN.md (terms written on a branch that leaves i18n/ to the
lead), after `make pot`.

Usage (in the Odoo virtualenv, which has polib): python tools/merge_zh_CN.py [i18n_extra/playbooks_zh_CN.md]

Each table row of sections 1 and 2 is "| … | English msgid | 中文 msgstr |" (a reference column may come first; a
note in *italics* after the msgid is dropped; a "—" msgstr is skipped). A msgid must be in i18n/zh_CN.po already
(`make pot` merges the new terms into it); a translation already there is kept. Prints what it filled and what it
did not find.
"""

import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("1.", "2.")


def table_rows(markdown):
    """(msgid, msgstr) of the table rows of the sections to merge."""
    for section in markdown.split("\n## ")[1:]:
        if not section.startswith(SECTIONS):
            continue
        for line in section.splitlines():
            if not line.startswith("| ") or line.startswith(("| reference", "| English", "|---")):
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            msgid, msgstr = re.sub(r"\s*\*\(.*\)\*$", "", cells[-2]), cells[-1]
            if msgstr != "—":
                yield msgid, msgstr


def main(paths):
    po_path = ROOT / "i18n" / "zh_CN.po"
    po = polib.pofile(str(po_path))
    entries = {entry.msgid: entry for entry in po if not entry.obsolete}
    filled, missing = [], []
    for path in paths:
        for msgid, msgstr in table_rows(Path(path).read_text(encoding="utf-8")):
            entry = entries.get(msgid)
            if entry is None:
                missing.append(msgid)
            elif not entry.msgstr or "fuzzy" in entry.flags:
                entry.msgstr = msgstr
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                filled.append(msgid)
    po.save(str(po_path))
    print(f"{po_path}: {len(filled)} filled, {len(missing)} not found (run `make pot` first)")
    for msgid in missing:
        print(f"  not found: {msgid!r}")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(str(path) for path in (ROOT / "i18n_extra").glob("*_zh_CN.md")))
