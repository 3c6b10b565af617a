"""Build the sample returns from the templates: `python samples/build_samples.py [--out DIR]`.

- returns/yibao_dept_2023/: 始兴县 with seed 000's figures; seven other Shaoguan regions with synthetic
  figures (the seed's varied per region, kept only when `check` finds nothing); 南雄市 with typical
  mistakes; 新丰县 sends nothing.
- returns/yibao_dept_2022/: the ten regions a year earlier, consistent with 2023 (上年三公经费 restates 2022's
  三公经费合计 exactly), 仁化县's insured persons planted a third lower (the one jump `--prior` flags).
- project_2021/: 乐昌市 with seed 004's figures.
- targets/yibao_dept_2025_targets.csv: seed 000's indicators approved for 始兴县 and 乐昌市.

Everything is regenerated from samples/data/*.yaml and the specs, so the samples follow spec changes
(tests/test_samples.py proves the committed files are up to date).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the test helpers: support/

from support.fill import fill_return, load_return_data
from support.synth import earlier, synthesize

from xltools.template import build_template

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED_000 = DATA / "440222_shixing_2023_yibao_dept.yaml"
SEED_004 = DATA / "440281_lechang_2021_project.yaml"
NOT_SENT = "440233"  # 新丰县: shows as 未报送 in the summary
WITH_MISTAKES = "440282"  # 南雄市
JUMP = "440224"  # 仁化县: 2022's insured persons a third lower, so 2023 shows a jump `--prior` flags
JUMP_FIELDS, JUMP_FACTOR = ("insured_residents", "insured_employees", "insured_maternity"), 1 / 1.62
TARGET_REGIONS = ("440222", "440281")  # the 2025 targets list names these two; the others keep open tables

# The mistakes counties really make (see samples/README.md); applied to 南雄市's synthetic return.
MISTAKES: dict[str, Any] = {
    "phone": "6927892",  # no area code
    "penalties": "约2万",  # text in a number cell
    "project_expenditure": None,  # set below: the figure in 元 instead of 万元
    "inspection_visits": None,  # set below: fewer visits than institutions inspected
    "problems": "无",  # nothing said under a score below 100
}


def build(out: Path, seed: int = 2023) -> list[Path]:
    rng = random.Random(seed)
    written: list[Path] = []
    base = load_return_data(SEED_000)
    spec, year = base["spec"], base["year"]
    folder = out / "returns" / f"{spec.id}_{year}"
    with tempfile.TemporaryDirectory() as tmp:
        for region in spec.regions.regions:
            if region.code == NOT_SENT:  # sent last year, not this year
                clean = synthesize(spec, base["values"], region, year, rng)
                written.append(_last_year(spec, clean, region, rng, out, Path(tmp)))
                continue
            if region.code == base["region"].code:
                values = base["values"]
            else:
                values = synthesize(spec, base["values"], region, year, rng)
            clean = values
            if region.code == WITH_MISTAKES:
                values = {
                    **values,
                    **MISTAKES,
                    "project_expenditure": round(values["project_expenditure"] * 10000, 2),
                    "inspection_visits": values["inspected_institutions"] - 12,
                }
            template = build_template(spec, Path(tmp) / f"{region.code}.xlsx", year, region)
            written.append(fill_return(template, values, folder / f"{region.code}_{region.name}_{spec.id}_{year}.xlsx"))
            written.append(_last_year(spec, clean, region, rng, out, Path(tmp)))
        lechang = load_return_data(SEED_004)
        template = build_template(lechang["spec"], Path(tmp) / "project.xlsx", lechang["year"], lechang["region"])
        name = f"{lechang['region'].code}_{lechang['region'].name}_{lechang['spec'].id}_{lechang['year']}.xlsx"
        written.append(fill_return(template, lechang["values"], out / f"project_{lechang['year']}" / name))
    written.append(_targets(spec, base["values"], out / "targets" / f"{spec.id}_2025_targets.csv"))
    return written


def _last_year(spec: Any, values: dict[str, Any], region: Any, rng: random.Random, out: Path, tmp: Path) -> Path:
    """The region's 2022 return: its 2023 figures a few per cent lower, 上年三公经费 restated exactly;
    仁化县's insured persons planted a third lower."""
    before = earlier(spec, values, rng)
    if region.code == JUMP:
        for fid in JUMP_FIELDS:
            before[fid] = round(before[fid] * JUMP_FACTOR)
    year = before["year"]
    template = build_template(spec, tmp / f"{region.code}_{year}.xlsx", year, region)
    name = f"{region.code}_{region.name}_{spec.id}_{year}.xlsx"
    return fill_return(template, before, out / "returns" / f"{spec.id}_{year}" / name)


def _targets(spec: Any, seed: dict[str, Any], path: Path) -> Path:
    """The bureau's approved targets for 2025: seed 000's indicators for two regions (weights as approved)."""
    from xltools.contract import TARGET_LIST_COLUMNS

    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(seed["ind_name"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TARGET_LIST_COLUMNS)
        for code in TARGET_REGIONS:
            for i in range(n):
                writer.writerow([code, *(seed[c][i] for c in TARGET_LIST_COLUMNS[1:])])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: samples/)")
    args = parser.parse_args()
    for path in build(args.out):
        print(path.relative_to(args.out))


if __name__ == "__main__":
    main()
