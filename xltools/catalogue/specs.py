"""What is wrong with a spec file (`SpecError`), in words a non-programmer understands.

Each entry is one problem; the error names the file and the key, the entry says the problem.
docs/findings.md lists these sub-codes too.
"""

from __future__ import annotations

from typing import Any

from xltools.catalogue import Entry, Text

KINDS: dict[type, Text] = {
    dict: Text("映射", "a mapping"),
    list: Text("列表", "a list"),
    str: Text("文本", "text"),
    int: Text("整数", "a whole number"),
    float: Text("数字", "a number"),
    bool: Text("布尔值", "true/false"),
    type(None): Text("空值", "nothing"),
}


def kind_of(v: Any) -> Text:
    """What a YAML value is, in words."""
    return KINDS.get(type(v), Text(type(v).__name__))


ENTRIES: dict[str, Entry] = {
    # what a duplicate is
    "spec.what.region_code": Entry("行政区划代码", "region code"),
    "spec.what.region_name": Entry("地区名称", "region name"),
    "spec.what.sheet": Entry("工作表名", "sheet name"),
    "spec.what.rule": Entry("规则 id", "rule id"),
    "spec.what.choice": Entry("选项", "choice"),
    "spec.what.column": Entry("列 id", "column id"),
    "spec.none": Entry("（无）", "(none)"),
    # files and YAML
    "spec.not_found": Entry("找不到表样定义“{spec}”；可用的有：{known}", "no spec “{spec}”; available: {known}"),
    "spec.none_found": Entry(
        "文件夹 {folder} 中没有任何表样定义（*.yaml）", "the folder {folder} holds no spec files (*.yaml)"
    ),
    "spec.abstract": Entry(
        "这是公共部分，不能单独使用；请使用继承它的表样",
        "this is a shared part, not a return type: use a spec that extends it",
    ),
    "spec.regions_not_found": Entry(
        "找不到地区列表“{regions}”（应有文件 regions/{regions}.yaml）",
        "no region list “{regions}” (expected the file regions/{regions}.yaml)",
    ),
    "spec.regions_missing": Entry("缺少地区列表（如 regions: shaoguan）", "no region list (e.g. regions: shaoguan)"),
    "spec.unreadable": Entry("无法读取：{reason}", "cannot be read: {reason}"),
    "spec.too_large": Entry(
        "文件过大（{size} KB，上限 {limit} KB），不像一个表样定义",
        "the file is too large ({size} KB; limit {limit} KB)",
    ),
    "spec.yaml": Entry("不是有效的 YAML（第 {line} 行）：{problem}", "not valid YAML (line {line}): {problem}"),
    "spec.yaml_aliases": Entry(
        "YAML 的锚点/别名展开后过大（超过 {limit} 个节点），已拒绝读取",
        "YAML anchors and aliases expand too much (over {limit} nodes): refused",
    ),
    "spec.encoding": Entry("文件不是 UTF-8 编码", "the file is not UTF-8"),
    "spec.top_level": Entry(
        "文件内容应为键值映射（id、version、sheets…）", "the file should be a mapping (id, version, sheets…)"
    ),
    # keys and values
    "spec.not_mapping": Entry("应为键值映射，实际为{kind}", "should be a mapping; found {kind}"),
    "spec.not_list": Entry("应为列表，实际为{kind}", "should be a list; found {kind}"),
    "spec.not_number": Entry("应为数字，实际为{kind} {value}", "should be a number; found {kind} {value}"),
    "spec.not_text": Entry("应为文本，实际为{kind}", "should be text; found {kind}"),
    "spec.not_bool": Entry("应为 true 或 false，实际为 {value}", "should be true or false; found {value}"),
    "spec.not_date": Entry(
        "应为日期（如 2000-01-01），实际为 {value}", "should be a date (e.g. 2000-01-01); found {value}"
    ),
    "spec.unknown_key": Entry("未知的键“{name}”（允许的键：{allowed}）", "unknown key “{name}” (allowed: {allowed})"),
    "spec.key_missing": Entry("缺少必填的键", "a required key is missing"),
    "spec.duplicate": Entry("{what}“{value}”重复出现", "{what} “{value}” appears twice"),
    "spec.id_mismatch": Entry("id“{id}”应与文件名“{stem}”相同", "the id “{id}” should equal the file name “{stem}”"),
    "spec.bad_id": Entry(
        "id“{id}”无效：只能用小写字母、数字和下划线，以字母开头，不超过 64 个字符，且不能像单元格地址（如 ab12）",
        "the id “{id}” is invalid: lower-case letters, digits and _, starting with a letter, at most 64 "
        "characters, not like a cell address (ab12)",
    ),
    "spec.text_too_long": Entry(
        "文字过长（{length} 个字符，上限 {limit}）", "the text is too long ({length} characters; limit {limit})"
    ),
    # extends
    "spec.extends_cycle": Entry("继承关系形成循环：{chain}", "the extends chain loops: {chain}"),
    "spec.extends_missing": Entry(
        "被继承的表样“{base}”不存在（应有文件 {file}）",
        "the spec it extends, “{base}”, does not exist (expected {file})",
    ),
    "spec.after_missing": Entry("找不到工作表“{sheet}”", "no sheet “{sheet}”"),
    # sheets, blocks, fields
    "spec.sheet_name": Entry(
        "工作表名“{name}”不合 Excel 规则（≤31 字，不含 []:*?/\\，不以 ' 开头或结尾）",
        "the sheet name “{name}” breaks Excel's rules (≤ 31 characters, none of []:*?/\\, no leading or trailing ')",
    ),
    "spec.sheet_reserved": Entry(
        "工作表名“{name}”是 xltools 自用的名称", "the sheet name “{name}” is reserved by xltools"
    ),
    "spec.sheet_empty": Entry("工作表没有任何内容（blocks 或 table）", "the sheet has no blocks and no table"),
    "spec.block_form": Entry("每个区块应有 fields 或 grid 之一", "each block has either fields or grid"),
    "spec.one_table": Entry("每个表样只能有一个指标表", "a spec has at most one indicator table"),
    "spec.override_missing": Entry("要覆盖的字段“{field}”不存在", "the field to override, “{field}”, does not exist"),
    "spec.duplicate_field": Entry(
        "字段 id“{field}”重复（已在工作表“{sheet}”中定义）",
        "the field id “{field}” is already defined on sheet “{sheet}”",
    ),
    "spec.base_kind": Entry(
        "未知的基础类型“{base}”（可用：{known}）", "unknown base type “{base}” (available: {known})"
    ),
    "spec.unknown_type": Entry("未知的类型“{type}”（已定义：{known}）", "unknown type “{type}” (defined: {known})"),
    "spec.label_missing": Entry("缺少中文名称（label）", "the Chinese label (label) is missing"),
    "spec.choices_from": Entry("目前只支持 choices_from: regions", "only choices_from: regions is supported"),
    "spec.choices_by_one": Entry(
        "应只写一个上级字段，如 {{ind_level1: {{...}}}}", "name exactly one parent, e.g. {{ind_level1: {{...}}}}"
    ),
    "spec.choices_missing": Entry(
        "下拉字段需要 choices、choices_by 或 choices_from", "a choice field needs choices, choices_by or choices_from"
    ),
    "spec.bad_pattern": Entry("正则表达式有误：{problem}", "the regular expression is wrong: {problem}"),
    "spec.formula_functions": Entry(
        "公式中的 {functions} 不是 Excel、WPS、LibreOffice 都支持的函数，只能用于校验规则",
        "{functions} in a formula: not a function Excel, WPS and LibreOffice all have (rules only)",
    ),
    "spec.aggregate_unknown": Entry(
        "未知的汇总方式“{how}”（可用：{known}）", "unknown aggregate “{how}” (available: {known})"
    ),
    "spec.aggregate_ratio": Entry(
        "aggregate: ratio 需要公式中恰好有一个“字段 / 字段”的除法（汇总时分子、分母分别求和再相除）",
        "aggregate: ratio needs a formula with exactly one division of two fields (numerator and denominator "
        "are summed, then divided)",
    ),
    "spec.format_unknown": Entry(
        "未知的显示格式“{format}”（可用：percent）", "unknown format “{format}” (available: percent)"
    ),
    "spec.prefill": Entry("prefill 只能是 region 或 year，实际为 {value}", "prefill is region or year; found {value}"),
    "spec.decimals": Entry("应为 0–10 的整数，实际为 {value}", "should be a whole number 0–10; found {value}"),
    "spec.min_max": Entry("下限 {min} 大于上限 {max}", "the lower bound {min} is above the upper bound {max}"),
    "spec.change_band": Entry(
        "应为大于 0 的比例（如 0.3 表示 ±30%），实际为 {value}",
        "should be a fraction above 0 (0.3 = ±30 %); found {value}",
    ),
    "spec.grid_row": Entry(
        "应有 {columns} 个字段（每列一个），实际为 {count} 个",
        "should have {columns} fields (one per column); found {count}",
    ),
    "spec.table_rows": Entry(
        "行数应为 1–500 的整数，实际为 {value}", "the row count should be a whole number 1–500; found {value}"
    ),
    "spec.column_clash": Entry("列 id“{column}”与字段重名", "the column id “{column}” is also a field id"),
    "spec.column_formula": Entry("指标表的列不能是公式", "a column of the indicator table cannot be a formula"),
    "spec.footer_column": Entry(
        "合计行的列“{column}”不是指标表的列", "the footer's column “{column}” is not a column of the table"
    ),
    "spec.footer_formula": Entry("合计行的字段必须有公式（formula）", "a footer field needs a formula"),
    "spec.rule_form": Entry(
        "每条规则应有 assert（必须成立的条件）或 require（必须填写的字段）之一",
        "each rule has either assert (a condition that must hold) or require (a field that must be filled)",
    ),
    "spec.severity": Entry("应为 error 或 warning，实际为 {value}", "should be error or warning; found {value}"),
    "spec.rule_field": Entry("缺少规则所指的字段（field）", "the rule does not say which field it is about (field)"),
    "spec.rule_code": Entry(
        "规则的代码应为 {known} 之一，实际为 {value}", "a rule's code is one of {known}; found {value}"
    ),
    "spec.unknown_name": Entry("引用了不存在的字段“{name}”{hint}", "refers to “{name}”, which does not exist{hint}"),
    "spec.name_hint": Entry("（是否想写 {near}？）", " (did you mean {near}?)"),
    "spec.parent_missing": Entry("上级列“{parent}”不存在", "the parent column “{parent}” does not exist"),
    "spec.parent_choice": Entry("“{value}”不是上级列的选项", "“{value}” is not a choice of the parent column"),
    "spec.required_field": Entry(
        "缺少公共字段“{field}”（每个表样都必须有）", "the common field “{field}” is missing (every spec has it)"
    ),
    "spec.formula_cycle": Entry("公式之间形成循环引用：{cycle}", "formulas refer to each other in a loop: {cycle}"),
    "spec.pair": Entry("应为两个字段 id 组成的列表", "should be a list of two field ids"),
    "spec.region_code": Entry("行政区划代码“{code}”应为 6 位数字", "the region code “{code}” should be 6 digits"),
    "spec.region_name": Entry(
        '地区名称“{name}”无效：应为 1–40 个字符，不含 / \\ : * ? " < > | 和控制字符',
        'the region name “{name}” is invalid: 1–40 characters, none of / \\ : * ? " < > | or control characters',
    ),
    "spec.formula_note": Entry(
        "公式用到了函数，请在 note 中用一句话说明它怎么算（填报说明不显示公式语法）",
        "the formula uses functions: say in `note` how it is worked out (the instruction sheet shows no syntax)",
    ),
    "spec.form_widths": Entry("应为 2–20 个大于 0 的列宽", "should be 2–20 column widths above 0"),
    "spec.form_block": Entry("每个区块应有 rows 或 indicators 之一", "each block has either rows or indicators"),
    "spec.form_cell": Entry(
        "每个格子应为 text、label、field、region 之一", "each box is one of text, label, field, region"
    ),
    "spec.form_span": Entry("span 应为正整数，实际为 {value}", "span should be a positive whole number; found {value}"),
    "spec.form_row": Entry(
        "这一行占 {count} 列，应正好占满 {columns} 列",
        "this row takes {count} columns; it should take exactly {columns}",
    ),
    # expressions
    "spec.expr": Entry("表达式“{text}”有误：{problem}", "the expression “{text}” is wrong: {problem}"),
    "spec.expr_kind": Entry("应为表达式文本，实际为{kind}", "should be an expression; found {kind}"),
    "expr.extra": Entry("多余的内容“{token}”", "unexpected “{token}”"),
    "expr.character": Entry(
        "无法识别的字符“{char}”（位置 {position}）", "unknown character “{char}” (position {position})"
    ),
    "expr.incomplete": Entry("表达式不完整", "the expression is incomplete"),
    "expr.expected": Entry("此处应为“{expected}”，实际为“{found}”", "expected “{expected}” here; found “{found}”"),
    "expr.unexpected": Entry("此处不应出现“{token}”", "“{token}” cannot appear here"),
    "expr.function": Entry(
        "不支持的函数 {function}（可用：{known}）", "unknown function {function} (available: {known})"
    ),
    "expr.arity": Entry(
        "函数 {function} 的参数个数不对（{count} 个）", "wrong number of arguments to {function} ({count})"
    ),
    "expr.too_long": Entry(
        "表达式过长（{length} 个字符，上限 {limit}）", "the expression is too long ({length} characters; limit {limit})"
    ),
    "expr.too_deep": Entry(
        "表达式嵌套过深（超过 {limit} 层括号或函数）", "the expression nests too deeply (over {limit} levels)"
    ),
}
