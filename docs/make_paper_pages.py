"""Render the pages shown in docs/paper/ from the bundled samples: `python docs/make_paper_pages.py`.

Needs LibreOffice, fonts-noto-cjk and poppler-utils (bash .ci/run installs them). The PNGs are small (72 dpi):
they show what a clerk and an official get on paper, not a print master.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's xltools, not whichever one is installed
OUT = ROOT / "docs" / "paper"
INBOX = ROOT / "samples" / "returns" / "yibao_dept_2023"


def main() -> None:
    from xltools.aggregate import aggregate, write_summary
    from xltools.check import check_file
    from xltools.paper import print_pdfs
    from xltools.report import annotate
    from xltools.spec import load_spec
    from xltools.template import build_template

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        spec = load_spec("yibao_dept")
        nanxiong = next(INBOX.glob("440282_*.xlsx"))
        sources = {
            "lechang_project_form": (next((ROOT / "samples" / "project_2021").glob("440281_*.xlsx")), 1),
            "shixing_dept_form": (next(INBOX.glob("440222_*.xlsx")), 1),
            "template_instructions": (build_template(spec, d / "template.xlsx", 2025, spec.regions.find("始兴县")), 1),
            "annotated_funds": (annotate(check_file(nanxiong), nanxiong, d / "annotated.xlsx"), 3),
            "summary": (write_summary(aggregate([INBOX], jobs=1), d / "summary.xlsx"), 1),
        }
        results = print_pdfs([p for p, _ in sources.values()], d / "pdf")
        for (name, (_, page)), r in zip(sources.items(), results, strict=True):
            assert r.pdf is not None, r.problem
            stem = d / name
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "72",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(r.pdf),
                    str(stem),
                ],
                check=True,
            )
            shutil.copyfile(stem.with_suffix(".png"), OUT / f"{name}.png")
            print(f"wrote {(OUT / name).with_suffix('.png').relative_to(ROOT)} ({r.pages} pages in all)")


if __name__ == "__main__":
    main()
