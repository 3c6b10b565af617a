"""The spec: shipped specs carry DESIGN §4's ids; every kind of bad spec gets a clear message."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from xltools.spec import SpecError, list_specs, load_spec

ROOT = Path(__file__).resolve().parent.parent

COMMON = {
    "region_code",
    "year",
    "department",
    "preparer",
    "phone",
    "fill_date",
    "indicator_score_total",
    "total_score",
    "grade",
    "problems",
    "improvements",
}
INDICATOR_COLUMNS = [
    "ind_level1",
    "ind_level2",
    "ind_name",
    "ind_direction",
    "ind_unit",
    "ind_target",
    "ind_actual",
    "ind_weight",
    "ind_score",
    "ind_reason",
]
DEPT = COMMON | {
    "budget_initial",
    "budget_final",
    "personnel_expenditure",
    "public_expenditure",
    "basic_expenditure",
    "project_expenditure",
    "total_expenditure",
    "execution_rate",
    "execution_score",
    "execution_reason",
    "reception_cost",
    "vehicle_cost",
    "overseas_cost",
    "three_costs_total",
    "three_costs_prior",
    "three_costs_change",
    "three_costs_note",
}
YIBAO = DEPT | {
    "insured_residents",
    "insured_employees",
    "insured_maternity",
    "insured_total",
    "enrollment_rate",
    "designated_hospitals",
    "designated_pharmacies",
    "designated_total",
    "inspected_institutions",
    "inspection_coverage",
    "inspection_visits",
    "violating_institutions",
    "recovered_funds",
    "penalties",
    "suspended_agreements",
    "aid_visits",
    "aid_amount",
    "remote_filings",
}
PROJECT = (
    COMMON
    | {
        "project_name",
        "implementer",
        "fund_document",
        "goal_planned",
        "goal_actual",
        "execution_rate",
        "execution_score",
        "execution_reason",
    }
    | {f"{a}{b}" for a in ("budget_initial", "budget_final", "spent") for b in ("", "_fiscal", "_carryover", "_other")}
)


@pytest.mark.parametrize(("spec_id", "ids"), [("dept_overall", DEPT), ("yibao_dept", YIBAO), ("project", PROJECT)])
def test_shipped_specs_have_every_design_id(spec_id: str, ids: set[str]) -> None:
    spec = load_spec(spec_id)
    assert ids <= set(spec.fields), sorted(ids - set(spec.fields))
    assert spec.table is not None
    assert [c.id for c in spec.table.columns] == INDICATOR_COLUMNS
    assert spec.table.rows >= 20


def test_design_formulas_and_choices() -> None:
    spec = load_spec("yibao_dept")
    assert spec.fields["insured_total"].formula.addends() == (
        "insured_residents",
        "insured_employees",
        "insured_maternity",
    )
    assert spec.fields["total_expenditure"].formula.addends() == ("basic_expenditure", "project_expenditure")
    t = spec.table
    assert t.column("ind_level1").choices == ("产出指标", "效益指标", "满意度指标")
    assert t.column("ind_direction").choices == ("正向(≥)", "反向(≤)", "等于(=)", "定性")
    assert t.column("ind_level2").parent_choices()["满意度指标"] == ("服务对象满意度指标",)
    assert t.column("ind_actual").qualitative.choices == (
        "达成年度指标",
        "部分达成年度指标并具有一定效果",
        "未达成年度指标且效果较差",
    )
    assert [r.code for r in spec.regions.regions][:3] == ["440203", "440204", "440205"]
    assert spec.fields["execution_rate"].aggregate.ratio == ("total_expenditure", "budget_final")


def test_extends_adds_the_business_block_after_funds() -> None:
    assert [s.name for s in load_spec("yibao_dept").sheets] == [
        "基本信息",
        "资金情况",
        "业务情况",
        "绩效指标",
        "自评结论",
    ]
    assert load_spec("project").fields["department"].label == "主管部门"
    assert {s.id for s in list_specs()} == {"dept_overall", "yibao_dept", "project"}


def test_abstract_base_cannot_be_used_alone() -> None:
    with pytest.raises(SpecError, match="公共部分"):
        load_spec("_common")


# --- bad specs -----------------------------------------------------------------------------------

GOOD = """\
id: mini
version: "1"
regions: shaoguan
types:
  amount: {base: number, decimals: 2, min: 0, unit: 万元, aggregate: sum}
  text: {base: text}
  region: {base: choice, choices_from: regions}
  year: {base: integer}
  date: {base: date}
sheets:
  - name: 资金
    blocks:
      - title: 资金
        fields:
          - {id: region_code, label: 地区, type: region}
          - {id: year, label: 年度, type: year}
          - {id: fill_date, label: 填报日期, type: date}
          - {id: a, label: 甲, type: amount}
          - {id: b, label: 乙, type: amount}
          - {id: total, label: 合计, type: amount, formula: a + b}
rules:
  - {id: r1, field: a, assert: a <= total, message: 甲不能超过合计}
"""


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    d = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas" / "regions", d / "regions")
    return d


def write(d: Path, name: str, text: str) -> Path:
    p = d / f"{name}.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_the_minimal_spec_is_valid(schemas: Path) -> None:
    spec = load_spec(write(schemas, "mini", GOOD))
    assert [f.id for f in spec.derived] == ["total"]


BAD = [
    # (what is wrong, edit to the good spec, key in the message, words in the message)
    ("unknown key", ('version: "1"', 'version: "1"\ncolour: red'), "colour", "未知的键"),
    (
        "unknown field key",
        ("label: 甲, type: amount}", "label: 甲, type: amount, colour: red}"),
        "fields[a].colour",
        "未知的键",
    ),
    ("wrong type", ("decimals: 2", "decimals: two"), "decimals", "0–10 的整数"),
    ("wrong bound type", ("min: 0, unit", "min: zero, unit"), "min", "应为数字"),
    ("duplicate id", ("{id: b, label: 乙", "{id: a, label: 乙"), "fields[a]", "重复"),
    ("unknown name in formula", ("formula: a + b", "formula: a + c"), "fields[total].formula", "不存在的字段“c”"),
    ("unknown name in rule", ("assert: a <= total", "assert: a <= totl"), "rules[r1]", "不存在的字段“totl”"),
    ("bad formula syntax", ("formula: a + b", "formula: a + * b"), "fields[total].formula", "表达式"),
    (
        "function not in every client",
        ("formula: a + b", "formula: 'SUMIF(a, 1, b)'"),
        "fields[total].formula",
        "都支持",
    ),
    (
        "cycle",
        ("{id: b, label: 乙, type: amount}", "{id: b, label: 乙, type: amount, formula: total - a}"),
        "formula",
        "循环引用",
    ),
    ("unknown type", ("label: 乙, type: amount", "label: 乙, type: money"), "fields[b].type", "未知的类型“money”"),
    ("cell-like id", ("{id: b, label: 乙", "{id: ab12, label: 乙"), "id", "单元格地址"),
    ("missing key", ('version: "1"\n', ""), "version", "缺少"),
    (
        "bad severity",
        ("message: 甲不能超过合计}", "message: 甲不能超过合计, severity: fatal}"),
        "severity",
        "error 或 warning",
    ),
    ("broken extends", ('version: "1"', 'version: "1"\nextends: nothere'), "extends", "不存在"),
    ("yaml syntax", ("sheets:", "sheets: ["), "行", "YAML"),
    ("unknown region list", ("regions: shaoguan", "regions: atlantis"), "regions", "地区列表"),
    ("missing common field", ("          - {id: fill_date, label: 填报日期, type: date}\n", ""), "sheets", "fill_date"),
]


@pytest.mark.parametrize(("what", "edit", "key", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_spec_gets_one_clear_message(schemas: Path, what: str, edit: tuple[str, str], key: str, words: str) -> None:
    old, new = edit
    assert old in GOOD, what
    path = write(schemas, "mini", GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "mini.yaml" in message, message
    assert key in message, message
    assert words in message, message
    assert "\n" not in message and "Traceback" not in message


def test_extends_cycle_is_named(schemas: Path) -> None:
    write(schemas, "one", GOOD.replace("id: mini", "id: one").replace('version: "1"', 'version: "1"\nextends: two'))
    write(schemas, "two", GOOD.replace("id: mini", "id: two").replace('version: "1"', 'version: "1"\nextends: one'))
    with pytest.raises(SpecError, match="循环") as info:
        load_spec(schemas / "one.yaml")
    assert "one → two → one" in str(info.value)


def test_error_in_a_base_spec_names_the_base_file(schemas: Path) -> None:
    write(schemas, "base", GOOD.replace("id: mini", "id: base").replace("type: amount}", "type: amont}", 1))
    write(schemas, "child", 'id: child\nversion: "1"\nextends: base\n')
    with pytest.raises(SpecError) as info:
        load_spec(schemas / "child.yaml")
    assert "base.yaml" in str(info.value) and "amont" in str(info.value)


def test_a_spec_may_set_a_sum_tolerance(schemas: Path) -> None:
    from xltools.check.rules import tolerance

    spec = load_spec(write(schemas, "mini", GOOD.replace("formula: a + b}", "formula: a + b, tolerance: 0.5}")))
    assert tolerance(spec.fields["total"]) == 0.5
    default = load_spec("yibao_dept").fields["total_expenditure"]
    assert tolerance(default) == pytest.approx(0.02)  # 0.01 万元 per addend (DESIGN §4)
