"""The finding codes of `check` (DESIGN §5) and the message of each code and sub-code.

A finding's key is its code (``type``) or its code and a sub-code (``tampered.formula_constant``).
Parameters every finding has: ``label`` (the field's label), ``expected``, ``actual``; others are named
in the templates. docs/findings.md is generated from this module (a test keeps it current).
"""

from __future__ import annotations

from dataclasses import dataclass

from xltools.catalogue import Entry


@dataclass(frozen=True)
class Code:
    """A finding code: its title in both languages, what it covers, and an example as a clerk sees it."""

    title: Entry
    covers: Entry
    example: str


CODES: dict[str, Code] = {
    "missing": Code(
        Entry("必填项未填写", "required value missing"),
        Entry(
            "必填项、已用指标行中的必填单元格、空的指标表；或（提示）规则要求的说明：执行率低于 90% 的执行偏差原因、"
            "三公经费增加的说明、得分低于分值的偏差原因、总分不满 100 时的存在问题（“无”之类视为未填）。",
            "a required input, a required cell of a used indicator row, an empty indicator table, or (as a "
            "warning) an explanation a rule asks for; “无” and similar placeholders count as empty.",
        ),
        "基本信息!C7 “联系电话”未填写，请填写。",
    ),
    "type": Code(
        Entry("不是应填的类型", "wrong type"),
        Entry(
            "数字、整数或日期单元格中的文字（“约3万”“3万元”“—”、上标或圈码数字），计数中的小数，"
            "非百分数字段中的百分数；（提示）小数位数多于表样规定。接受：以文本存储的数字、全角数字、千分位、"
            "百分数字段中带 % 的数、2024-7-9 或 2024年7月9日 这样的日期。",
            "text where a number, whole number or date belongs (“约3万”, “3万元”, “—”, superscript or circled "
            "digits), a fraction in a count, a percentage in a field that is not one; (warning) more decimals "
            "than the spec's. Accepted: numbers stored as text, full-width digits, thousands separators, a "
            "percentage typed with its sign in a percentage field, dates like 2024-7-9 or 2024年7月9日.",
        ),
        "资金情况!C4 “年初预算数”应填数字（万元），实际为“约3万”。",
    ),
    "range": Code(
        Entry("超出允许范围", "out of range"),
        Entry(
            "超出表样规定范围的数字（金额 ≥ 0、参保率 0–100、分值 > 0、得分 ≤ 分值）。",
            "a number outside the spec's bounds (amounts ≥ 0, 参保率 0–100, weight > 0, score ≤ weight).",
        ),
        "资金情况!C6 “基本支出·工资福利支出”应 ≥ 0，实际为 -5。",
    ),
    "choice": Code(
        Entry("不在可选项中", "not one of the choices"),
        Entry(
            "不是下拉列表中的选项；二级指标不属于所选一级指标；行政区划代码不在地区列表中。",
            "not one of the dropdown's strings; a 二级指标 not under its 一级指标; a region code not in the list.",
        ),
        "绩效指标!C5 “二级指标”应从下拉列表中选择（产出指标 下的 数量指标、质量指标、时效指标、成本指标），实际为“社会效益指标”。",
    ),
    "pattern": Code(
        Entry("格式不对", "wrong format"),
        Entry("文字格式不对（联系电话）。", "text in the wrong shape (联系电话)."),
        "基本信息!C7 “联系电话”格式不对：应为座机如 0751-6927892，或 11 位手机号，实际为“6927892”。",
    ),
    "sum": Code(
        Entry("合计与分项不符", "total does not match its parts"),
        Entry(
            "合计或公式的结果与其分项不符（超出容差，默认每个分项 0.01 万元）；指标分值合计不是 90。",
            "a total or derived value that does not equal its parts beyond the tolerance (0.01 万元 per "
            "addend by default); indicator weights not adding up to 90.",
        ),
        "资金情况!C10 “全年执行数”应等于 385.67，文件中为 380。",
    ),
    "rule": Code(
        Entry("逻辑关系不符", "cross-field rule broken"),
        Entry(
            "表样的其他规则（检查家次 ≥ 检查覆盖机构数、定性指标得分区间、标准得分等）；相关单元格一并标出。",
            "any other rule of the spec (检查家次 ≥ 检查覆盖机构数, qualitative score bands, the standard "
            "score…); the cells the rule relates are marked too.",
        ),
        "业务情况!C16 检查家次 40 不能少于检查覆盖机构数 53",
    ),
    "unit": Code(
        Entry("疑似单位填错（元/万元）", "amount probably in 元, not 万元"),
        Entry(
            "金额约为其分项、合计或预算的一万倍（误按“元”填写）；在汇总中也与各地区中位数比较。"
            "指出应修改的填报单元格。",
            "an amount about 10,000 times its siblings, its total or its budget (typed in 元); in "
            "`aggregate` also against the regions' median. Names the input cell to change.",
        ),
        "资金情况!C8 “项目支出”为 1814700，约为其他分项合计（204.2）的一万倍，可能误按“元”填写（应为“万元”）。",
    ),
    "tampered": Code(
        Entry("模板结构被改动", "template structure changed"),
        Entry(
            "工作表被删除或改名；定义名称被删除、移动或重复定义；公式被改成固定值或被改动；插入或删除了行列；"
            "单元格中的地区、年度与模板记录的不一致。这样的报表不计入任何合计。",
            "a sheet deleted or renamed; a defined name removed, moved or defined twice; a formula typed over "
            "or changed; rows or columns inserted or deleted; the region or year in the cells differing from "
            "what the template recorded. Such a return counts in no total.",
        ),
        "资金情况!C10 “全年执行数（决算总支出）”的公式被改成了固定值 380，请使用原模板重新填报。",
    ),
    "template": Code(
        Entry("不是可识别的填报模板", "not a known template"),
        Entry(
            "不是 xltools 模板；未知的表样或版本；模板结构校验码不符；或不是本次收集的表样、年度。",
            "not an xltools template; an unknown spec or version; a changed layout; or another spec or year "
            "than the one being collected.",
        ),
        "文件不是 xltools 生成的填报模板（找不到表样标识），请使用下发的模板填写。",
    ),
    "outlier": Code(
        Entry("异常提示", "outlier"),
        Entry(
            "（提示，不影响合计）关键数字比上年变化超出表样规定的幅度，或与其他地区相差很大（修正 z 分数超过 3.5，"
            "至少 5 个地区），或重述上年数字（如上年三公经费）与上年报表不一致。",
            "(a warning; totals unchanged) a key figure that changed from last year beyond its band, stands far "
            "from the other regions (modified z-score beyond 3.5, at least 5 regions), or restates last year's "
            "figure differently from last year's return.",
        ),
        "业务情况!C7 “参保人数合计”比上年变化 +62.0%（上年 228,236 人，今年 369,742 人）；其他地区变化中位数 +1.5%，请核实。",
    ),
    "unreadable": Code(
        Entry("文件无法读取", "file cannot be read"),
        Entry(
            "空文件、损坏、旧版 .xls、加密、改了扩展名的 CSV/HTML、含宏、不安全的 XML、过大、超出模板范围的单元格、"
            "Strict Open XML、读取进程异常退出、无读取权限。",
            "empty, damaged, old .xls, encrypted, CSV/HTML renamed, macros, unsafe XML, too large, cells far "
            "beyond the template, Strict Open XML, a reader process that died, no permission to read.",
        ),
        "文件是旧版 .xls 格式，请用 Excel 或 WPS 打开后另存为 .xlsx",
    ),
}

ENTRIES: dict[str, Entry] = {
    # --- missing ---------------------------------------------------------------------------------------
    "missing": Entry("“{label}”未填写，请填写。", "“{label}” is empty: fill it in."),
    "missing.table_empty": Entry(
        "绩效指标表未填写任何指标，请至少填写一行。", "the indicator table is empty: fill in at least one indicator."
    ),
    "missing.rule": Entry("{text}", "{text}"),
    # --- type ------------------------------------------------------------------------------------------
    "type": Entry("“{label}”应填{expected}，实际为“{actual}”。", "“{label}” should be {expected}; found “{actual}”."),
    "type.look_alike": Entry(
        "“{label}”中的“{actual}”含有上标、下标或圈码等特殊字符，不是普通数字；请只用 0–9 填写{expected}。",
        "“{label}” holds “{actual}”, with superscript, subscript or circled characters that are not plain "
        "digits: type {expected} with 0–9 only.",
    ),
    "type.percent_elsewhere": Entry(
        "“{label}”被填成了百分数（{actual}），该项应填{expected}，请去掉 % 重新填写。",
        "“{label}” was typed as a percentage ({actual}); it takes {expected}: type it without %.",
    ),
    "type.decimals": Entry(
        "“{label}”应为保留 {decimals} 位小数的数字，实际为 {actual}（表上显示与合计所用的数不同）。",
        "“{label}” should have {decimals} decimals; found {actual} (the form shows another figure than the "
        "totals use).",
    ),
    "type.text_too_long": Entry(
        "“{label}”有 {length} 个字符，超过单元格能容纳的 {limit} 个（Excel、WPS 无法保存这样的表，文件可能被改动过），"
        "请删减后重新填写。",
        "“{label}” holds {length} characters, more than the {limit} a cell can keep (Excel and WPS cannot save "
        "such a file: it may have been altered): shorten it and fill it in again.",
    ),
    # a long text a finding quotes: its start, and how long it is
    "value.clipped": Entry("{start}……（共 {length} 个字符）", "{start}… ({length} characters in all)"),
    # the kinds a `type` finding expects
    "kind.integer": Entry("整数", "a whole number"),
    "kind.integer_unit": Entry("整数（{unit}）", "a whole number ({unit})"),
    "kind.number": Entry("数字", "a number"),
    "kind.number_unit": Entry("数字（{unit}）", "a number ({unit})"),
    "kind.date": Entry("日期（如 2024-07-09）", "a date (e.g. 2024-07-09)"),
    "kind.text": Entry("文字", "text"),
    # --- range -----------------------------------------------------------------------------------------
    "range": Entry("“{label}”应{expected}，实际为 {actual}。", "“{label}” should be {expected}; found {actual}."),
    "range.between": Entry("在 {min} 到 {max} 之间", "between {min} and {max}"),
    "range.rule": Entry("{text}", "{text}"),
    # --- choice ----------------------------------------------------------------------------------------
    "choice": Entry(
        "“{label}”应从下拉列表中选择（{expected}），实际为“{actual}”。",
        "“{label}” should be one of: {expected}; found “{actual}”.",
    ),
    "choice.under_parent": Entry(
        "“{label}”应从下拉列表中选择（{parent} 下的 {expected}），实际为“{actual}”。",
        "“{label}” should be one under {parent}: {expected}; found “{actual}”.",
    ),
    # --- pattern ---------------------------------------------------------------------------------------
    "pattern": Entry(
        "“{label}”格式不对：应为{expected}，实际为“{actual}”。",
        "“{label}” has the wrong format: expected {expected}; found “{actual}”.",
    ),
    # --- sum -------------------------------------------------------------------------------------------
    "sum": Entry(
        "“{label}”应等于 {expected}，文件中为 {actual}。", "“{label}” should equal {expected}; the file holds {actual}."
    ),
    "sum.rule": Entry("{text}", "{text}"),
    # --- rule ------------------------------------------------------------------------------------------
    "rule": Entry("{text}", "{text}"),
    # --- unit ------------------------------------------------------------------------------------------
    "unit": Entry(
        "“{label}”为 {actual}，约为{reference}（{expected}）的一万倍，可能误按“元”填写（应为“{unit}”）。",
        "“{label}” is {actual}, about 10,000 times {reference} ({expected}): probably typed in 元, not “{unit}”.",
    ),
    "unit.via_total": Entry(
        "“{label}”为 {actual}，使“{total}”约为{reference}（{expected}）的一万倍，可能误按“元”填写（应为“{unit}”）。",
        "“{label}” is {actual}, which makes “{total}” about 10,000 times {reference} ({expected}): probably "
        "typed in 元, not “{unit}”.",
    ),
    "unit.peers": Entry(
        "“{label}”为 {actual}，约为各地区中位数（{expected}）的一万倍，可能误按“元”填写（应为“{unit}”）。",
        "“{label}” is {actual}, about 10,000 times the regions' median ({expected}): probably typed in 元, "
        "not “{unit}”.",
    ),
    "ref.other_parts": Entry("其他分项合计", "the other parts"),
    # --- tampered --------------------------------------------------------------------------------------
    "tampered": Entry("模板结构被改动：{label}", "the template's structure was changed: {label}"),
    "tampered.sheet_missing": Entry(
        "工作表“{sheet}”被删除或改名，请使用原模板重新填报。",
        "sheet “{sheet}” is missing or was renamed: use the original template.",
    ),
    "tampered.name_missing": Entry(
        "定义名称 {name}（“{label}”）缺失或已损坏，模板结构被改动，此项无法读取。",
        "the defined name {name} (“{label}”) is missing or broken: the value cannot be read.",
    ),
    "tampered.name_moved": Entry(
        "定义名称 {name}（“{label}”）被移到了 {actual}（模板中为 {expected}），此项无法读取，请使用原模板重新填报。",
        "the defined name {name} (“{label}”) was moved to {actual} (the template has {expected}): the value "
        "cannot be read; use the original template.",
    ),
    "tampered.name_duplicate": Entry(
        "定义名称 {name}（“{label}”）被重复定义，无法确定读取哪个单元格，请使用原模板重新填报。",
        "the defined name {name} (“{label}”) is defined more than once: it is unclear which cell to read.",
    ),
    "tampered.formula_constant": Entry(
        "“{label}”的公式被改成了固定值 {actual}，请使用原模板重新填报。",
        "the formula of “{label}” was replaced by the constant {actual}: use the original template.",
    ),
    "tampered.formula_changed": Entry(
        "“{label}”的公式被改动为 ={actual}（应为 {expected}）。",
        "the formula of “{label}” was changed to ={actual} (the template has {expected}).",
    ),
    "tampered.view": Entry(
        "{sheet}!{cell} 的公式被改动或删除（应为 {expected}），打印表样与填报内容可能不一致，请使用原模板重新填报。",
        "{sheet}!{cell}: its formula was changed or removed (the template has {expected}); the printed form may "
        "not show what was filled in: use the original template.",
    ),
    "tampered.shifted": Entry(
        "{sheet}!{cell} 应为“{expected}”，实际为“{actual}”：工作表中插入或删除了行列，各项数值已错位，请使用原模板重新填报。",
        "{sheet}!{cell} should read “{expected}” but reads “{actual}”: rows or columns were inserted or "
        "deleted and the figures have moved; use the original template.",
    ),
    "tampered.identity": Entry(
        "“{label}”为 {actual}，但模板制作时记录的是 {expected}；报表不能改填为其他{what}，请使用本{what}的模板。",
        "“{label}” reads {actual}, but the template recorded {expected}: a return cannot be re-labelled as "
        "another {what}; use the template made for it.",
    ),
    "tampered.metadata": Entry(
        "模板内记录的{what}不一致（工作表中为 {actual}，文件属性中为 {expected}），模板标识被改动。",
        "the template's own records disagree on the {what} ({actual} in its sheet, {expected} in its "
        "properties): its identity was changed.",
    ),
    "what.region": Entry("地区", "region"),
    "what.year": Entry("年度", "year"),
    "what.spec": Entry("表样", "spec"),
    "what.fingerprint": Entry("结构校验码", "structure fingerprint"),
    "what.targets": Entry("审定指标", "approved targets"),
    # --- template --------------------------------------------------------------------------------------
    "template.not_xltools": Entry(
        "文件不是 xltools 生成的填报模板（找不到表样标识），请使用下发的模板填写。",
        "not an xltools template (no spec id inside): fill in the template you were sent.",
    ),
    "template.unknown_spec": Entry(
        "文件的表样“{spec}”在本机的表样定义中不存在。", "the file's spec “{spec}” is not known here."
    ),
    "template.version": Entry(
        "文件的表样版本 {actual} 与当前版本 {expected} 不符，请使用最新下发的模板。",
        "the file's spec version {actual} is not the current {expected}: use the latest template.",
    ),
    "template.fingerprint": Entry(
        "文件的模板结构与当前表样不一致（结构校验码不符），请使用最新下发的模板。",
        "the file's template structure does not match the current spec (fingerprint differs): use the latest template.",
    ),
    "template.other_spec": Entry(
        "这是“{actual}”的报表，不是本次收集的“{expected}”，请使用下发的“{expected}”模板。",
        "this is a “{actual}” return, not the “{expected}” being collected: use the “{expected}” template.",
    ),
    "template.other_year": Entry(
        "这是 {actual} 年度的报表，不是本次收集的 {expected} 年度，请使用 {expected} 年度表样。",
        "this return is for {actual}, not {expected}: use the {expected} template.",
    ),
    "template.other_region": Entry(
        "这是“{actual}”的报表，不能通过“{expected}”的报送链接上报：请上传本地区的报表。",
        "this is the return of “{actual}”; it cannot be sent through the link of “{expected}”: upload your own region's return.",
    ),
    # --- outlier ---------------------------------------------------------------------------------------
    "outlier.year": Entry(
        "“{label}”比上年变化 {change}（上年 {prior}，今年 {now}）{peers}，请核实。",
        "“{label}” changed {change} from last year (last year {prior}, this year {now}){peers}: check it.",
    ),
    "outlier.peer_change": Entry("；其他地区变化中位数 {median}", "; the other regions' median change is {median}"),
    "outlier.peers": Entry(
        "“{label}”为 {now}，与其他地区差异很大（各地区中位数 {median}，偏离指数 {z}），请核实。",
        "“{label}” is {now}, far from the other regions (median {median}, modified z {z}): check it.",
    ),
    "outlier.restated": Entry(
        "“{label}”为 {actual}，但上年报表的“{prior_label}”为 {expected}，两者应当一致（是否沿用了更早年度的数字？）。",
        "“{label}” is {actual}, but last year's return gives “{prior_label}” as {expected}; they should agree "
        "(a figure copied from an earlier year?).",
    ),
    # --- targets lists ---------------------------------------------------------------------------------
    "template.targets_twice": Entry(
        "列“{column}”出现了不止一次：请删去多余的一列。",
        "the column “{column}” appears more than once: delete the extra one.",
    ),
    "range.targets_too_long": Entry(
        "指标清单超过 {rows} 行，未读取：请按表样分开制作。",
        "the targets list has more than {rows} rows and was not read.",
    ),
    "unreadable.targets_sheets": Entry(
        "指标清单写在多个工作表中（{sheets}）：请放在同一个工作表里。",
        "the targets list is spread over several sheets ({sheets}): put it on one sheet.",
    ),
    "template.targets_columns": Entry(
        "指标目标清单缺少这些列：{columns}（第一行应为列名）",
        "the targets list lacks these columns: {columns} (the first row names them)",
    ),
    "missing.targets_empty": Entry(
        "指标清单中没有任何指标行：请每个地区每项指标填一行。",
        "the targets list has no indicator rows: give one row per region and indicator.",
    ),
    "template.targets_spec": Entry(
        "这一行的表样为“{actual}”，本次为“{expected}”", "this row is for spec “{actual}”, not “{expected}”"
    ),
    "template.targets_year": Entry(
        "这一行的年度为 {actual}，本次为 {expected}", "this row is for {actual}, not {expected}"
    ),
    "range.targets_rows": Entry(
        "地区 {region} 的指标超过 {rows} 行（模板只有 {rows} 行）",
        "region {region} has more than {rows} indicators (the template has {rows} rows)",
    ),
    "targets.region_rule": Entry("地区 {region}：{text}", "region {region}: {text}"),
    "tampered.target_extra": Entry(
        "指标表第 {row} 行不是审定的指标行，应留空，实际填了“{actual}”；请按下发的模板填写，不要增加指标。",
        "row {row} of the indicator table is not an approved indicator and must stay empty; found “{actual}”: fill "
        "in the template as sent, without adding indicators.",
    ),
    "tampered.target": Entry(
        "“{label}”是审定的指标目标（{expected}），被改成了“{actual}”；请按下发的模板填写，不要改动预填的指标。",
        "“{label}” is an approved target ({expected}) and was changed to “{actual}”: fill in the template as sent, "
        "without changing the prefilled indicators.",
    ),
    # --- unreadable ------------------------------------------------------------------------------------
    "unreadable.not_found": Entry("文件不存在", "the file does not exist"),
    "unreadable.folder": Entry("这是一个文件夹，不是文件", "this is a folder, not a file"),
    "unreadable.permission": Entry(
        "没有读取权限，无法打开（请检查文件或文件夹的权限）",
        "permission denied: the file cannot be opened (check the permissions of the file or folder)",
    ),
    "unreadable.os_error": Entry("无法打开文件（{reason}）", "the file cannot be opened ({reason})"),
    "unreadable.empty": Entry("文件是空的（0 字节）", "the file is empty (0 bytes)"),
    "unreadable.too_large": Entry(
        "文件过大（{size} MB），不像一份填报表", "the file is too large ({size} MB) for a return"
    ),
    "unreadable.format": Entry(
        "文件是{format}，请打开后另存为 .xlsx（Excel 工作簿）再上报",
        "this is {format}: save it as .xlsx (Excel workbook)",
    ),
    "format.et": Entry("WPS 表格格式（.et）", "a WPS spreadsheet (.et)"),
    "format.ett": Entry("WPS 表格模板格式（.ett）", "a WPS template (.ett)"),
    "format.ods": Entry("OpenDocument 表格格式（.ods）", "an OpenDocument spreadsheet (.ods)"),
    "format.xlsb": Entry("Excel 二进制格式（.xlsb）", "a binary Excel workbook (.xlsb)"),
    "format.numbers": Entry("Numbers 格式", "a Numbers file"),
    "unreadable.pdf": Entry(
        "文件是 PDF，不是可汇总的报表；请上报填好的 .xlsx 模板",
        "this is a PDF, not a return: send the filled .xlsx template",
    ),
    "unreadable.word": Entry(
        "文件是 Word 文档，不是填报模板；请上报填好的 .xlsx 模板",
        "this is a Word document: send the filled .xlsx template",
    ),
    "unreadable.encrypted": Entry(
        "文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再上报",
        "the workbook is password-encrypted: remove the password and save as .xlsx",
    ),
    "unreadable.xls": Entry(
        "文件是旧版 .xls 格式，请用 Excel 或 WPS 打开后另存为 .xlsx",
        "this is an old .xls workbook: open it and save as .xlsx",
    ),
    "unreadable.html": Entry(
        "文件其实是网页（HTML/XML）而不是 .xlsx，请用 Excel 或 WPS 另存为 .xlsx",
        "the file is a web page (HTML/XML), not .xlsx: save it as .xlsx",
    ),
    "unreadable.csv": Entry(
        "文件其实是 CSV 文本而不是 .xlsx，请使用下发的模板填写",
        "the file is CSV text, not .xlsx: fill in the template you were sent",
    ),
    "unreadable.unknown_format": Entry(
        "文件不是 .xlsx 工作簿（无法识别的格式）", "the file is not an .xlsx workbook (unknown format)"
    ),
    "unreadable.damaged": Entry(
        "文件已损坏（不是完整的 .xlsx 压缩包），请重新保存或重新发送",
        "the file is damaged (not a complete .xlsx package): save or send it again",
    ),
    "unreadable.inner_damaged": Entry(
        "文件内部结构损坏，无法读取（{part}）", "the workbook's inner structure is damaged ({part})"
    ),
    "unreadable.unsafe_xml": Entry(
        "文件内含不安全的 XML 结构（实体或 DTD），已拒绝读取",
        "the file holds unsafe XML (entities or a DTD) and was refused",
    ),
    "unreadable.unsafe": Entry(
        "文件内容不安全或已损坏，已拒绝读取（{reason}）",
        "the file's content is unsafe or damaged and was refused ({reason})",
    ),
    "unreadable.parts": Entry("文件包含 {count} 个部件，远超正常填报表", "the file holds {count} parts: not a return"),
    "unreadable.expands": Entry(
        "文件解压后过大（{part} 超过 {size} MB），疑似异常文件，已拒绝读取",
        "the file expands too much ({part}: over {size} MB): refused",
    ),
    "unreadable.not_workbook": Entry(
        "文件是压缩包，但不是 Excel 工作簿（缺少 xl/workbook.xml）",
        "the file is a zip archive but not an Excel workbook",
    ),
    "unreadable.strict": Entry(
        "文件是“Strict Open XML”格式，请在 Excel 中另存为“Excel 工作簿（*.xlsx）”后再上报",
        "the file is in Strict Open XML format: save it as “Excel Workbook (*.xlsx)”",
    ),
    "unreadable.macros": Entry(
        "文件含有宏（.xlsm），出于安全不予读取；请另存为 .xlsx（不含宏）后上报",
        "the workbook contains macros (.xlsm): save it as a macro-free .xlsx",
    ),
    "unreadable.bad_value": Entry(
        "工作表“{sheet}”中有无法识别的数值（如超出范围的日期），文件无法读取",
        "sheet “{sheet}” holds a value that cannot be read (e.g. a date out of range)",
    ),
    "unreadable.extent": Entry(
        "工作表“{sheet}”在模板范围以外有内容（{cell}），不是原模板的结构，已拒绝读取；请在原模板中填写",
        "sheet “{sheet}” has content far beyond the template ({cell}): refused; fill in the original template",
    ),
    "unreadable.crashed": Entry(
        "读取该文件时读取进程异常退出（{reason}），文件可能已损坏或含恶意内容，已跳过；其他文件不受影响",
        "the process reading this file died ({reason}): the file may be damaged or hostile and was skipped; "
        "the other files are not affected",
    ),
    "unreadable.timeout": Entry(
        "读取该文件超过 {seconds} 秒仍未完成，已放弃；文件可能已损坏或含恶意内容",
        "reading this file took over {seconds} s and was given up: it may be damaged or hostile",
    ),
    "unreadable.file_name": Entry(
        "文件名无法识别（编码不是 UTF-8，如 Windows 压缩包中的 GBK 文件名）：{name}",
        "the file name cannot be decoded (not UTF-8, e.g. a GBK name from a Windows zip): {name}",
    ),
    "reason.memory": Entry("内存不足或超过读取进程的内存上限", "out of memory, or over the reader's memory cap"),
    "reason.signal": Entry("信号 {signal}", "signal {signal}"),
}
