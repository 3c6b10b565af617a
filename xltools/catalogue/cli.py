"""The words of the command line: help, options, metavars, console summaries, and click's own messages."""

from __future__ import annotations

from xltools.catalogue import Entry

ENTRIES: dict[str, Entry] = {
    "cli.app": Entry(
        "绩效自评表工具：生成填报模板、校验上报文件、汇总各地报表。加 --lang en 显示英文。",
        "Templates, checks and summaries for budget-performance self-evaluation returns (“绩效自评表”).",
    ),
    # commands
    "cli.specs": Entry(
        "列出可用的表样（报表类型）及其版本、字段数。\n\n示例：xltools specs",
        "List the return types (specs), their versions and field counts.\n\nExample: xltools specs",
    ),
    "cli.make_template": Entry(
        "按表样生成锁定的填报模板（.xlsx）。\n\n示例：xltools make-template --spec yibao_dept --region all --year 2025 -o 模板/",
        "Build a locked submission workbook (.xlsx) from a spec.\n\nExample: xltools make-template --spec yibao_dept --region all --year 2025 -o templates/",
    ),
    "cli.check": Entry(
        "校验上报的报表：列出每个缺失、格式错误或前后矛盾的数字及其单元格。没有错误时退出码为 0，有错误为 1，"
        "有文件无法读取或调用有误为 2。\n\n示例：xltools check 收件箱/ --annotate 退回/",
        "Check returned workbooks: every missing, malformed or inconsistent figure with its cell. Exit 0 when "
        "no file has errors, 1 when some has, 2 when some cannot be read or the call is wrong.\n\n"
        "Example: xltools check inbox/ --annotate returned/",
    ),
    "cli.aggregate": Entry(
        "把各地报表汇总为一个汇总工作簿：谁报了什么、哪些有错误、全市合计。\n\n"
        "示例：xltools aggregate 收件箱/ -o 汇总.xlsx --export 汇总.csv",
        "Merge all returns into one summary workbook: who sent what, what fails, and the totals.\n\n"
        "Example: xltools aggregate inbox/ -o summary.xlsx --export summary.csv",
    ),
    "cli.print": Entry(
        "把模板、报表、标注副本或汇总表打印为 PDF（通过 LibreOffice）：报表先印“自评表”，再印各填报工作表。"
        "\n\n示例：xltools print 收件箱/ -o 打印/ ；xltools print 收件箱/ --combine -o 全市自评表.pdf",
        "Print templates, returns, annotated copies or summaries to PDF (through LibreOffice): a return prints its "
        "form (“自评表”) first, then its sheets.\n\nExample: xltools print inbox/ -o pdf/ ; xltools print inbox/ "
        "--combine -o all.pdf",
    ),
    "cli.diff": Entry(
        "比较同一地区报表的两个版本：改动的数值，已解决、仍未解决和新出现的问题。新版本没有错误时退出码为 0，有错误为 1，"
        "无法读取或不是同一地区、表样、年度时为 2。\n\n示例：xltools diff 第一次上报.xlsx 更正后.xlsx",
        "Compare two versions of one region's return: the values changed, the findings resolved, still open and new. "
        "Exit 0 when the new one has no errors, 1 when it has, 2 when one cannot be read or they differ in region, "
        "spec or year.\n\nExample: xltools diff first.xlsx corrected.xlsx",
    ),
    "opt.old": Entry("先前的版本", "The earlier version"),
    "opt.new": Entry("新的版本", "The new version"),
    # options
    "opt.schemas": Entry(
        "表样定义所在文件夹（默认：内置的 schemas/）。", "Folder of spec files (default: the bundled schemas/)."
    ),
    "opt.spec_make": Entry(
        "表样 id（见 xltools specs）或 .yaml 表样文件的路径。", "Spec id (see `xltools specs`) or path to a .yaml spec."
    ),
    "opt.region": Entry(
        "预填并锁定的地区（代码或名称），或 all：每个地区一个文件。",
        "Region code or name to prefill and lock, or `all` for one file per region.",
    ),
    "opt.year_make": Entry("报表年度（默认：上一年）。", "Year of the return (default: last calendar year)."),
    "opt.output_make": Entry(
        "输出的 .xlsx 文件（--region all 时为文件夹）。", "Output .xlsx file (a folder with --region all)."
    ),
    "opt.password": Entry("工作表保护密码（默认：无）。", "Sheet-protection password (default: none)."),
    "opt.targets": Entry(
        "审定的绩效指标清单（.xlsx 或 .csv，每个地区每项指标一行）：先校验清单，再为每个地区生成预填并锁定指标的模板。",
        "The approved targets list (.xlsx or .csv, one row per region and indicator): checked first, then each "
        "region's template is written with its indicators prefilled and locked.",
    ),
    "opt.targets_template": Entry(
        "写出一份空的指标清单（列名、下拉列表齐全），供财政局填写后用于 --targets。",
        "Write an empty targets list (columns and dropdowns) for the bureau to fill and pass to --targets.",
    ),
    "opt.files": Entry("上报的 .xlsx 文件或文件夹。", "Returned .xlsx files or folders of them."),
    "opt.executor": Entry(
        "读取报表的方式：local（本机多进程，默认）或 dask（Dask 集群，需 pip install 'xltools[dask]'）",
        "where returns are read: local (this machine's processes, the default) or dask (a Dask cluster; pip install 'xltools[dask]')",
    ),
    "opt.scheduler": Entry(
        "Dask 调度器地址，如 tcp://10.0.0.5:8786（不给则在本机启动一个 LocalCluster）；报表路径须为各工作节点可读的共享路径",
        "the Dask scheduler, e.g. tcp://10.0.0.5:8786 (without it a LocalCluster on this machine); paths must be readable by every worker",
    ),
    "cli.scheduler_without_dask": Entry(
        "--scheduler 需与 --executor dask 一起使用。", "--scheduler needs --executor dask."
    ),
    "cluster.not_installed": Entry(
        "未安装 Dask：请先运行 pip install 'xltools[dask]'。",
        "Dask is not installed: pip install 'xltools[dask]' first.",
    ),
    "cluster.connect": Entry(
        "无法连接 Dask 集群 {scheduler}：{reason}", "cannot reach the Dask cluster {scheduler}: {reason}"
    ),
    "opt.format": Entry(
        "text（给人看）或 json（每个文件一行）。", "text (for a person) or json (one object per file per line)."
    ),
    "opt.annotate": Entry(
        "为有问题的报表写出标注副本（一个文件时为文件，多个文件时为文件夹）。",
        "Write an annotated copy of each return with findings (a file for one return, a folder for several).",
    ),
    "opt.annotate_all": Entry("没有问题的报表也写出副本。", "Write copies of clean returns too."),
    "opt.lang": Entry(
        "提示语言：zh 或 en（默认随系统语言，C/POSIX 为中文）。",
        "Language of the messages: zh or en (default: the locale's).",
    ),
    "opt.jobs": Entry("读取报表的进程数（默认：全部 CPU 核）。", "Processes to read returns in (default: all cores)."),
    "opt.spec_check": Entry(
        "本次收集的表样：其他表样的报表报 template 错误。",
        "The spec being collected: a return of another is a `template` error.",
    ),
    "opt.year_check": Entry(
        "本次收集的年度：其他年度的报表报 template 错误。",
        "The year being collected: a return of another is a `template` error.",
    ),
    "opt.output_agg": Entry("要写出的汇总工作簿（.xlsx）。", "The summary workbook to write (.xlsx)."),
    "opt.spec_agg": Entry("汇总的表样（默认：报表中最常见的）。", "Spec being collected (default: the most common)."),
    "opt.year_agg": Entry("汇总的年度（默认：报表中最常见的）。", "Year being collected (default: the most common)."),
    "opt.output_print": Entry(
        "输出文件夹（每个文件一个 PDF），或一个 .pdf 文件（只有一个文件或 --combine 时）；默认当前文件夹。",
        "Output folder (one PDF per file), or a .pdf file (one input, or --combine); default: the current folder.",
    ),
    "opt.prior": Entry(
        "上年数据（上年报表文件夹、一份上年报表，或 xltools 生成的汇总表、长表）：与上年比较，标出异常变化。",
        "Last year's figures (a folder of returns, one return, or a summary or long export xltools wrote): flag "
        "figures that moved too far.",
    ),
    "opt.combine": Entry(
        "按地区顺序合并为一个 PDF（归档用）。", "Bind everything into one PDF in region order (for the archive)."
    ),
    "opt.export": Entry("同时写出长表（.csv 或 .parquet）。", "Also write a long-format export (.csv or .parquet)."),
    # metavars
    "meta.files": Entry("文件或文件夹", "FILE|FOLDER"),
    "meta.spec": Entry("表样", "SPEC"),
    "meta.region": Entry("地区", "REGION"),
    "meta.year": Entry("年度", "YEAR"),
    "meta.file": Entry("文件", "FILE"),
    "meta.folder": Entry("文件夹", "FOLDER"),
    "meta.path": Entry("路径", "PATH"),
    "meta.text": Entry("文字", "TEXT"),
    "meta.n": Entry("数量", "N"),
    "meta.choice": Entry("zh|en", "zh|en"),
    "meta.format": Entry("text|json", "text|json"),
    "meta.options": Entry("[选项]", "[OPTIONS]"),
    "meta.command": Entry("命令 [参数]...", "COMMAND [ARGS]..."),
    # console
    "cli.error": Entry("xltools：{message}", "xltools: {message}"),
    "cli.bad_value": Entry("{option} 应为 {allowed}，实际为“{value}”", "{option} must be {allowed}, not “{value}”"),
    "cli.unknown_region": Entry(
        "地区“{region}”不在{regions}的地区列表中{hint}",
        "region “{region}” is not in the region list of {regions}{hint}",
    ),
    "cli.region_hint": Entry("。是否想写：{near}？", ". Did you mean: {near}?"),
    "cli.region_known": Entry("（可用：{known}）", " (available: {known})"),
    "cli.region_all_folder": Entry(
        "--region all 会为每个地区写一个文件：请给出文件夹，而不是 {path}",
        "--region all writes one file per region: give a folder, not {path}",
    ),
    "cli.annotate_folder": Entry(
        "有 {count} 个文件要写标注副本：--annotate 应为文件夹，而不是 {path}",
        "{count} files to annotate: --annotate must be a folder, not {path}",
    ),
    "cli.output_suffix": Entry(
        "{option} 应以 {suffixes} 结尾，而不是 {path}", "{option} must end in {suffixes}, not {path}"
    ),
    "cli.no_files": Entry("没有找到任何文件", "no files found"),
    "cli.specs_line": Entry(
        "{id:<14} 版本 {version:<6} {title}（{fields} 个字段：{inputs} 填报 + {derived} 公式；指标表 {columns} 列）",
        "{id:<14} version {version:<6} {title} ({fields} fields: {inputs} inputs + {derived} formulas; indicator table {columns} columns)",
    ),
    "cli.template_written": Entry("已生成模板：{path}", "template written: {path}"),
    "cli.templates_written": Entry("已生成 {count} 个模板：{path}", "{count} templates written: {path}"),
    "cli.targets_template_written": Entry("已生成指标清单样表：{path}", "targets list written: {path}"),
    "cli.targets_rejected": Entry(
        "指标清单有误，未生成模板：请按上面的意见修改 {path} 后重试。",
        "the targets list has errors, so no template was written: correct {path} as listed above and try again.",
    ),
    "cli.targets_no_table": Entry(
        "表样 {spec} 没有含 {columns} 的指标表，不能预填指标。",
        "spec {spec} has no indicator table with {columns}, so it cannot take targets.",
    ),
    "cli.targets_both": Entry(
        "--targets 与 --targets-template 不能同时使用：先用 --targets-template 写出清单样表，填好后再用 --targets。",
        "--targets and --targets-template cannot be used together: write the empty list first, fill it, then pass it to --targets.",
    ),
    "cli.list_separator": Entry("、", ", "),
    "cli.targets_applied": Entry(
        "其中 {count} 个地区的指标已按清单预填并锁定：{names}；其余地区的指标表留空，由地区填写。",
        "{count} of them have their indicators prefilled and locked from the list: {names}; the others' tables "
        "are left open.",
    ),
    "cli.targets_region": Entry(
        "指标清单中没有地区 {region} 的指标，模板的指标表留空由地区填写。",
        "the targets list names no indicators for region {region}: its template's table is left open.",
    ),
    "cli.written": Entry("已写出：{paths}", "written: {paths}"),
    "cli.summary_head": Entry(
        "{spec} {year} 年度，{regions} 共 {count} 个地区：", "{spec} {year}, {regions}, {count} regions:"
    ),
    "cli.summary_region": Entry("  {label}：{count} 个{names}", "  {label}: {count}{names}"),
    "cli.summary_names": Entry("（{names}）", " ({names})"),
    "cli.summary_more": Entry(
        "等，另有 {count} 个见汇总表“{sheet}”", "and {count} more: see the summary's {sheet} sheet"
    ),
    "cli.summary_files_more": Entry(
        "  另有 {count} 个未采用的文件，见汇总表“{sheet}”",
        "  {count} more files not used: see the summary's {sheet} sheet",
    ),
    "cli.summary_totals": Entry(
        "  计入合计：{count} 个地区（无错误的报表）", "  in the totals: {count} regions (returns without errors)"
    ),
    "cli.summary_files": Entry(
        "收到文件 {count} 个，其中未采用 {unused} 个：", "{count} files received, {unused} not used:"
    ),
    "cli.summary_files_all": Entry(
        "收到文件 {count} 个，均已对应到地区，没有无法受理或重复的文件。",
        "{count} files received, each matched to its region; none rejected, none duplicate.",
    ),
    "cli.summary_file": Entry("  {name}：{status}，{reason}", "  {name}: {status}, {reason}"),
    "cli.progress": Entry("校验报表", "checking returns"),
    "cli.printed": Entry("已生成 PDF：{path}（{pages} 页）", "PDF written: {path} ({pages} pages)"),
    "cli.print_failed": Entry("无法打印 {file}：{reason}", "cannot print {file}: {reason}"),
    "cli.print_pdf_for_several": Entry(
        "有 {count} 个文件要打印：-o 应为文件夹，或加 --combine 合并为一个 PDF，而不是 {path}",
        "{count} files to print: -o must be a folder, or add --combine for one PDF, not {path}",
    ),
    "cli.no_libreoffice": Entry(
        "打印需要 LibreOffice（soffice）：{reason}", "printing needs LibreOffice (soffice): {reason}"
    ),
}

# click's own words (vendored in typer) in Chinese: headings and help, then usage errors by pattern.
CLICK_ZH: dict[str, str] = {
    "Usage: ": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Show this message and exit.": "显示此帮助并退出。",
    "Missing command.": "缺少命令。",
    "Error": "错误",
    "Try": "运行“{command} {option}”查看帮助。",
    "required": "必填",
    "default: {default}": "默认：{default}",
}
CLICK_ERRORS_ZH: list[tuple[str, str]] = [
    (r"^Missing option '(?P<a>[^']+)'(?: / '(?P<b>[^']+)')?\.", "缺少选项 {a}。"),
    (r"^Missing argument '(?P<a>[^']+)'\.", "缺少参数 {a}。"),
    (r"^Missing parameter: (?P<a>.+)$", "缺少参数 {a}。"),
    (r"^No such option: (?P<a>\S+)(?: Did you mean (?P<b>\S+)\?)?", "没有这个选项：{a}"),
    (r"^No such command '(?P<a>[^']+)'\.", "没有这个命令：{a}"),
    (r"^Option '(?P<a>[^']+)' requires an argument\.", "选项 {a} 需要一个值。"),
    (r"^Got unexpected extra arguments? \((?P<a>.*)\)$", "多余的参数：{a}"),
    (
        r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: '?(?P<v>[^']*?)'? is not a valid integer\.?",
        "{a} 应为整数，实际为“{v}”。",
    ),
    (
        r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: (?P<v>\S+) is not in the range (?P<r>.+)\.",
        "{a} 的值 {v} 不在范围 {r} 内。",
    ),
    (
        r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: (?P<kind>File|Directory|Path) '(?P<v>.*)' does not exist\.",
        "{a}：找不到“{v}”。",
    ),
    (
        r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: (?P<kind>File|Directory|Path) '(?P<v>.*)' is a file\.",
        "{a}：“{v}”是文件，应为文件夹。",
    ),
    (
        r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: Input should be greater than or equal to (?P<n>\S+)",
        "{a} 应不小于 {n}。",
    ),
    (
        r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: Input should be less than or equal to (?P<n>\S+)",
        "{a} 应不大于 {n}。",
    ),
    (r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: Input should be a valid integer", "{a} 应为整数。"),
    (r"^Invalid value for '(?P<a>[^']+)'(?: / '[^']+')?: (?P<m>.*)$", "{a} 的值无效：{m}"),
]
