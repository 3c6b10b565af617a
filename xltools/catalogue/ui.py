"""Words of the console, the reports and the summary: statuses, severities, verdicts, headings."""

from __future__ import annotations

from xltools.catalogue import Entry

# One status vocabulary for the summary, the export and the desk (DESIGN §6): code -> label.
STATUSES = ("missing", "ok", "warnings", "errors", "rejected", "duplicate", "returned", "approved")

ENTRIES: dict[str, Entry] = {
    # statuses of a region or a file (DESIGN §6)
    "status.missing": Entry("未报送", "not sent"),
    "status.ok": Entry("已报送", "accepted"),
    "status.warnings": Entry("已报送（有提示）", "accepted with warnings"),
    "status.errors": Entry("已报送（有错误）", "sent, with errors"),
    "status.rejected": Entry("无法受理", "rejected"),
    "status.duplicate": Entry("重复，未采用", "duplicate, not used"),
    "status.returned": Entry("已退回", "sent back"),
    "status.approved": Entry("审核通过", "approved"),
    # the check statuses of one file (DESIGN §5)
    "check.ok": Entry("通过，未发现问题", "OK, no problems found"),
    "check.unreadable": Entry("无法读取", "cannot be read"),
    "severity.error": Entry("错误", "error"),
    "severity.warning": Entry("提示", "warning"),
    # the text report
    "report.file": Entry("文件", "file"),
    "report.spec": Entry("表样", "spec"),
    "report.year": Entry("年度", "year"),
    "report.region": Entry("地区", "region"),
    "report.file_level": Entry("（整个文件）", "(whole file)"),
    "report.verdict_errors": Entry(
        "{errors} 个错误、{warnings} 个提示：请修改错误后重新上报",
        "{errors} errors, {warnings} warnings: fix the errors and send it again",
    ),
    "report.verdict_template": Entry("不能受理：{reason}", "cannot be accepted: {reason}"),
    "report.verdict_tampered": Entry(
        "模板结构被改动，数值无法可靠读取：请在原模板中重新填写后上报",
        "the template's structure was changed and its figures cannot be read reliably: fill in the original "
        "template and send it again",
    ),
    "report.verdict_warnings": Entry(
        "{warnings} 个提示，无错误：请核实提示内容", "{warnings} warnings, no errors: check the warnings"
    ),
    "report.summary": Entry(
        "共 {files} 个文件：通过 {ok} 个；仅有提示 {warnings} 个；有错误 {errors} 个；无法读取 {unreadable} 个",
        "{files} files: {ok} ok; {warnings} with warnings only; {errors} with errors; {unreadable} unreadable",
    ),
    "report.annotated": Entry("已写出标注副本：{path}", "annotated copy written: {path}"),
    "report.annotate_failed": Entry(
        "无法写出 {file} 的标注副本：{reason}", "could not write the annotated copy of {file}: {reason}"
    ),
    "report.findings_sheet": Entry("校验意见", "Findings"),
    # aggregate: why a file was not used
    "reason.unknown_region": Entry(
        "行政区划代码 {code} 不在{regions}的地区列表中", "region code {code} is not in the region list of {regions}"
    ),
    "reason.duplicate": Entry("与 {file} 重复：{rule}", "duplicate of {file}: {rule}"),
    "reason.not_received": Entry("未收到报表", "no return received"),
    "reason.errors_left_out": Entry("有错误，未计入合计", "has errors: left out of the totals"),
    "rule.duplicate": Entry(
        "{same}有多份报表时，采用填报日期最新的一份；填报日期相同时，采用文件修改时间最新的一份。",
        "When several returns share the same {same}, the one with the latest fill date counts; on a tie, the "
        "latest file.",
    ),
    "rule.same_region": Entry("同一地区", "region"),
    "rule.same_field": Entry("同一{label}", "{label}"),
    # aggregate errors
    "aggregate.not_found": Entry("找不到：{paths}", "not found: {paths}"),
    "aggregate.no_files": Entry("没有找到任何文件", "no files found"),
    "aggregate.spool": Entry(
        "临时文件夹 {folder} 放不下汇总的中间数据（{reason}）：请腾出磁盘空间，或把环境变量 TMPDIR 设为空间足够的文件夹",
        "the temporary folder {folder} cannot hold the run's working data ({reason}): free disk space, or set"
        " TMPDIR to a folder with room",
    ),
    "aggregate.no_spec": Entry(
        "没有任何可识别的填报表，无法确定表样；请用 --spec 指定", "no recognisable return: give --spec"
    ),
    "aggregate.no_year": Entry(
        "没有“{spec}”表样的报表，无法确定年度；请用 --year 指定", "no “{spec}” return: give --year"
    ),
    # paths a command was given
    "path.unreadable": Entry("无法读取 {path}：{reason}", "cannot read {path}: {reason}"),
    "path.bad_name": Entry("文件名编码无法识别：{path}", "the file name cannot be decoded: {path}"),
    # output
    "output.cannot_write": Entry("无法写入 {path}：{reason}", "cannot write {path}: {reason}"),
    "output.is_folder": Entry("{path} 是一个文件夹，应为文件", "{path} is a folder; a file is needed here"),
    "output.not_folder": Entry("{path} 已存在且不是文件夹", "{path} exists and is not a folder"),
    "output.read_only": Entry("没有写入权限", "permission denied"),
    "output.disk_full": Entry("磁盘空间不足", "the disk is full"),
}

# The summary workbook (always Chinese: an official document; English kept for the API and tests).
ENTRIES |= {
    "summary.sheet": Entry("汇总", "Summary"),
    "summary.status_sheet": Entry("报送情况", "Submissions"),
    "summary.indicator_sheet": Entry("指标明细", "Indicators"),
    "summary.findings_sheet": Entry("校验结果", "Findings"),
    "summary.title": Entry("{spec}{year} 年度汇总表", "{spec}: summary for {year}"),
    "summary.subtitle": Entry(
        "{regions}，共 {count} 个地区：{parts}。收到文件 {files} 个。生成于 {date}。",
        "{regions}, {count} regions: {parts}. {files} files received. Made on {date}.",
    ),
    "summary.part": Entry("{label} {count}", "{label} {count}"),
    "summary.seq": Entry("序号", "No."),
    "summary.code": Entry("行政区划代码", "Region code"),
    "summary.region": Entry("地区", "Region"),
    "summary.status": Entry("报送状态", "Status"),
    "summary.too_many_rows": Entry(
        "明细共 {rows} 行，超过 Excel 工作表的上限（{limit} 行），未写入本表：请用 xltools aggregate --export 导出的长表查看全部明细。",
        "the detail has {rows} rows, more than an Excel sheet holds ({limit}), and is not in this sheet: see the long "
        "export (xltools aggregate --export) for all of it.",
    ),
    "summary.in_totals": Entry("计入合计", "In totals"),
    "summary.errors": Entry("错误数", "Errors"),
    "summary.warnings": Entry("提示数", "Warnings"),
    "summary.yes": Entry("是", "yes"),
    "summary.no": Entry("否", "no"),
    "summary.total": Entry("合计（{count} 个地区）", "Total ({count} regions)"),
    "summary.distribution": Entry("{label}分布", "{label}: distribution"),
    "summary.region_count": Entry("地区数", "Regions"),
    "summary.note": Entry(
        "说明：合计为公式，只计入“计入合计”为“是”的地区（无错误的报表）；比率按分子、分母合计重新计算，不是各地比率的平均。{left_out}{duplicates}",
        "Note: the totals are formulas over the regions marked “in totals” (returns without errors); rates are "
        "ratios of the summed parts, never an average of rates. {left_out}{duplicates}",
    ),
    "summary.left_out": Entry("未计入合计：{regions}。", "Left out of the totals: {regions}. "),
    "summary.left_out_one": Entry("{region}（{reason}）", "{region} ({reason})"),
    "summary.none_left_out": Entry(
        "所有已报送且无错误的地区均已计入合计。", "Every return without errors is in the totals. "
    ),
    "summary.signoff_unit": Entry("编制单位（盖章）：", "Prepared by (seal):"),
    "summary.signoff_preparer": Entry("编制人：", "Prepared by:"),
    "summary.signoff_reviewer": Entry("审核人：", "Reviewed by:"),
    "summary.signoff_date": Entry("日期：", "Date:"),
    "summary.footer": Entry("第 &P 页 共 &N 页", "Page &P of &N"),
    "summary.status_title": Entry("报送情况：{spec}{year} 年度", "Submissions: {spec}, {year}"),
    "summary.status_note": Entry(
        "{rule}每个收到的文件都列在下面，包括无法受理和重复的文件及其原因。",
        "{rule} Every file received is listed below, with the reason for any not used.",
    ),
    "summary.others": Entry("未采用的文件（{count} 个）", "Files not used ({count})"),
    "summary.file": Entry("文件", "File"),
    "summary.fill_date": Entry("填报日期", "Fill date"),
    "summary.reason": Entry("原因 / 说明", "Reason / note"),
    "summary.row": Entry("行号", "Row"),
    "summary.no_table": Entry("本表样没有绩效指标表", "This spec has no indicator table"),
    "summary.level": Entry("级别", "Severity"),
    "summary.code_col": Entry("代码", "Code"),
    "summary.sheet_col": Entry("工作表", "Sheet"),
    "summary.cell_col": Entry("单元格", "Cell"),
    "summary.message_col": Entry("说明", "Message"),
    "summary.indicators_title": Entry("指标明细：{spec}{year} 年度", "Indicators: {spec}, {year}"),
    "summary.findings_title": Entry("校验结果：{spec}{year} 年度", "Findings: {spec}, {year}"),
}

ENTRIES |= {
    "report.related": Entry("相关", "related"),
    "report.where": Entry("位置", "Where"),
    "report.findings_title": Entry("校验意见：{file}", "Findings: {file}"),
}

ENTRIES |= {
    "prior.not_found": Entry("找不到上年数据：{path}", "last year's figures not found: {path}"),
    "prior.kind": Entry(
        "{path} 不是上年的报表、报表文件夹，或 xltools 生成的汇总表、长表",
        "{path} is not last year's return, a folder of returns, or a summary or long export written by xltools",
    ),
    "prior.empty": Entry("文件夹 {path} 中没有可用的上年报表", "no usable return of last year in {path}"),
    "prior.other_spec": Entry("{path} 不是本表样的数据（{spec}）", "{path} holds another spec's figures ({spec})"),
    "prior.year": Entry(
        "上年数据是 {prior} 年度的，不是本次 {year} 年度的上一年（应为 {expected} 年度）",
        "the prior figures are for {prior}, not the year before {year} ({expected})",
    ),
    "prior.no_region": Entry(
        "上年数据（{path}）中没有 {region} 的报表", "last year's figures ({path}) hold no return of {region}"
    ),
    "prior.skipped": Entry("{file}：未与上年比较（{reason}）", "{file}: not compared with last year ({reason})"),
    "summary.outliers_sheet": Entry("异常提示", "Outliers"),
    "summary.outliers_title": Entry("异常提示：{spec}{year} 年度", "Outliers: {spec}, {year}"),
    "summary.outliers_note": Entry(
        "下列数字与上年（{prior}）或其他地区相比变化较大，仅供核实，不影响合计。{none}",
        "The figures below moved far from last year ({prior}) or from the other regions; for checking only, the "
        "totals are unchanged. {none}",
    ),
    "summary.year_of": Entry("{year} 年度", "{year}"),
    "summary.outliers_none": Entry("未发现异常。", "No outliers."),
    "summary.figure": Entry("项目", "Figure"),
    "summary.kind": Entry("类别", "Kind"),
    "kind.year": Entry("与上年比", "against last year"),
    "kind.peers": Entry("与其他地区比", "against the other regions"),
    "kind.restated": Entry("重述上年数字", "restating last year"),
}

ENTRIES |= {
    "diff.row": Entry("{label}（第 {row} 行）", "{label} (row {row})"),
    "diff.head": Entry(
        "比较：{old} → {new}（表样 {spec}，地区 {region}，年度 {year}）",
        "comparing: {old} → {new} (spec {spec}, region {region}, year {year})",
    ),
    "diff.changed": Entry("改动的数值（{count} 处）：", "values changed ({count}):"),
    "diff.change": Entry("    {where:<16} “{label}”：{old} → {new}", "    {where:<16} “{label}”: {old} → {new}"),
    "diff.resolved": Entry("已解决的问题（{count} 个）：", "findings resolved ({count}):"),
    "diff.still_open": Entry("仍未解决的问题（{count} 个）：", "findings still open ({count}):"),
    "diff.new_findings": Entry("新出现的问题（{count} 个）：", "new findings ({count}):"),
    "diff.verdict_errors": Entry(
        "=> 新版本仍有 {errors} 个错误、{warnings} 个提示：请修改后重新上报",
        "=> the new version still has {errors} errors and {warnings} warnings: fix them and send it again",
    ),
    "diff.verdict_ok": Entry(
        "=> 新版本没有错误（{warnings} 个提示）", "=> the new version has no errors ({warnings} warnings)"
    ),
    "diff.unreadable": Entry("无法比较：{file} {reason}", "cannot compare: {file} {reason}"),
    "diff.different": Entry(
        "两份报表不是同一{what}（{old} 与 {new}），不能比较",
        "the two returns are not of the same {what} ({old} and {new})",
    ),
}
