"""Findings are data: a small record with a stable code, and the catalogue of codes (DESIGN §5)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Code:
    """One entry of the catalogue: what the code means and a message template in each language."""

    code: str
    title: str
    title_en: str
    zh: str
    en: str
    example: str


# Message templates take {label}, {expected}, {actual}. Codes `rule` and `unit` use the spec's own text.
CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in (
        Code(
            "missing",
            "必填项未填写",
            "required value missing",
            "“{label}”未填写，请填写。",
            "“{label}” is empty: fill it in.",
            "基本信息!C7 “联系电话”未填写",
        ),
        Code(
            "type",
            "不是应填的类型",
            "wrong type",
            "“{label}”应填{expected}，实际为“{actual}”。",
            "“{label}” should be {expected}; found “{actual}”.",
            "资金情况!C4 “年初预算数”应填数字（万元），实际为“约3万”",
        ),
        Code(
            "range",
            "超出允许范围",
            "out of range",
            "“{label}”应{expected}，实际为 {actual}。",
            "“{label}” should be {expected}; found {actual}.",
            "资金情况!C6 “基本支出·工资福利支出”应 ≥ 0，实际为 -5",
        ),
        Code(
            "choice",
            "不在可选项中",
            "not one of the choices",
            "“{label}”应从下拉列表中选择（{expected}），实际为“{actual}”。",
            "“{label}” should be one of: {expected}; found “{actual}”.",
            "绩效指标!C5 “二级指标”应为 产出指标 下的 数量指标、质量指标…，实际为“社会效益指标”",
        ),
        Code(
            "pattern",
            "格式不对",
            "wrong format",
            "“{label}”格式不对：应为{expected}，实际为“{actual}”。",
            "“{label}” has the wrong format: expected {expected}; found “{actual}”.",
            "基本信息!C7 “联系电话”应为座机如 0751-6927892，或 11 位手机号，实际为“6927892”",
        ),
        Code(
            "sum",
            "合计与分项不符",
            "total does not match its parts",
            "“{label}”应等于 {expected}，文件中为 {actual}。",
            "“{label}” should equal {expected}; the file holds {actual}.",
            "资金情况!C10 “全年执行数”应等于 385.67，文件中为 380",
        ),
        Code(
            "rule",
            "逻辑关系不符",
            "cross-field rule broken",
            "{label}：{actual}",
            "{label}: {actual}",
            "业务情况!C12 检查家次 40 不能少于检查覆盖机构数 53",
        ),
        Code(
            "unit",
            "疑似单位填错（元/万元）",
            "amount probably in 元, not 万元",
            "“{label}”为 {actual}，约为{expected}的一万倍，可能误按“元”填写（应为“万元”）。",
            "“{label}” is {actual}, about 10,000 times {expected}: probably entered in 元 instead of 万元.",
            "资金情况!C8 “项目支出”为 1814700，约为其他分项的一万倍",
        ),
        Code(
            "tampered",
            "模板结构被改动",
            "template structure changed",
            "{actual}",
            "{actual}",
            "资金情况!C10 “全年执行数”的公式被改成了固定值 380",
        ),
        Code(
            "template",
            "不是可识别的填报模板",
            "not a known template",
            "{actual}",
            "{actual}",
            "文件不是 xltools 生成的填报模板（缺少 _xltools 标识）",
        ),
        Code(
            "unreadable",
            "文件无法读取",
            "file cannot be read",
            "{actual}",
            "{actual}",
            "文件是旧版 .xls 格式，请用 Excel 或 WPS 另存为 .xlsx",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a return, located by sheet and cell as Excel shows them."""

    code: str
    severity: str
    sheet: str
    cell: str
    field: str
    message: str
    expected: Any = None
    actual: Any = None

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or ""

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(v) for k, v in asdict(self).items()}


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


def make(
    code: str,
    severity: str,
    sheet: str,
    cell: str,
    field_id: str,
    label: str,
    expected: Any = None,
    actual: Any = None,
    lang: str = "zh",
    message: str | None = None,
) -> Finding:
    """A finding whose message comes from the catalogue (unless given)."""
    entry = CATALOGUE[code]
    if message is None:
        template = entry.en if lang == "en" else entry.zh
        message = template.format(label=label, expected=show(expected), actual=show(actual))
    return Finding(code, severity, sheet, cell, field_id, message, expected, actual)


def show(v: Any) -> str:
    """A value as a person reads it: 204.2 not 204.20000000001, 3 not 3.0."""
    if v is None:
        return "（空）"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6f}".rstrip("0").rstrip(".")
    return str(v)


@dataclass
class Report:
    """Everything `check` says about one file."""

    file: str
    spec: str | None = None
    spec_version: str | None = None
    region_code: str | None = None
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False

    @property
    def status(self) -> str:
        if self.unreadable:
            return "unreadable"
        if any(f.severity == ERROR for f in self.findings):
            return "errors"
        return "warnings" if self.findings else "ok"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def to_dict(self) -> dict[str, Any]:
        """Exactly the keys of DESIGN §5."""
        return {
            "file": self.file,
            "status": self.status,
            "spec": self.spec,
            "spec_version": self.spec_version,
            "region_code": self.region_code,
            "year": self.year,
            "findings": [f.to_dict() for f in self.findings],
        }
