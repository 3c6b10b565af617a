"""Write docs/findings.md from the catalogue: `python docs/make_findings_reference.py`.

Every finding code and sub-code, every spec-error problem and every status, with their Chinese and
English words, so that the reference can never disagree with what the tool says (a test compares).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's xltools, not whichever one is installed
OUT = ROOT / "docs" / "findings.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference() -> str:
    from xltools.catalogue import entries
    from xltools.catalogue.findings import CODES
    from xltools.catalogue.ui import STATUSES

    words = entries()
    out = [
        "# Findings, reasons and statuses",
        "",
        "Generated from the catalogue (`xltools/catalogue/`) by `python docs/make_findings_reference.py`.",
        "A finding is data (DESIGN §5): a code, a sub-code, its cell and its parameters; its sentence is made",
        "from the templates below in the reader's language (`--lang en`). In a template, `{label}` is the",
        "field's label, `{expected}` and `{actual}` what was expected and found; other names are explained by",
        "the sub-code. Severity is `error` unless a spec rule says `warning`.",
        "",
        "## Codes",
        "",
        "| code | meaning | 含义 | example |",
        "|---|---|---|---|",
    ]
    for code, c in CODES.items():
        out.append(f"| `{code}` | {c.title.en} | {c.title.zh} | {_cell(c.example)} |")
    out += ["", "## What each code covers", ""]
    for code, c in CODES.items():
        out.append(f"- `{code}` — {c.covers.en}")
        out.append(f"  {c.covers.zh}")
    out += ["", "## Sub-codes and their words", ""]
    for code in CODES:
        keys = [k for k in words if k == code or k.startswith(code + ".")]
        if not keys:
            continue
        out += [f"### `{code}`", "", "| key | 中文 | English |", "|---|---|---|"]
        out += [f"| `{k}` | {_cell(words[k].zh)} | {_cell(words[k].en)} |" for k in keys]
        out.append("")
    out += ["## Spec errors", "", "A malformed spec stops with `file: key: problem`; the problems:", ""]
    out += ["| key | 中文 | English |", "|---|---|---|"]
    out += [f"| `{k}` | {_cell(e.zh)} | {_cell(e.en)} |" for k, e in words.items() if k.startswith(("spec.", "expr."))]
    out += ["", "## Statuses (DESIGN §6)", "", "| code | 中文 | English |", "|---|---|---|"]
    out += [f"| `{s}` | {words[f'status.{s}'].zh} | {words[f'status.{s}'].en} |" for s in STATUSES]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    OUT.write_text(reference(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
