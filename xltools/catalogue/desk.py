"""Words of the collection desk: its pages, its refusals and its ``desk`` commands."""

from __future__ import annotations

from xltools.catalogue import Entry

ENTRIES: dict[str, Entry] = {
    # refusals of the desk (DeskError details)
    "desk.no_collection": Entry("没有编号为“{collection}”的收集任务。", "there is no collection “{collection}”."),
    "desk.no_desk": Entry(
        "文件夹 {folder} 中没有报送平台的数据（desk.sqlite3）：请用 --data 指明数据目录，或先运行 xltools desk open。",
        "there is no desk in {folder} (no desk.sqlite3): name the data folder with --data, or run xltools desk open first.",
    ),
    "desk.checkers_failed": Entry(
        "校验进程未能启动，平台未运行：{reason}",
        "the checker processes did not start, so the desk is not running: {reason}",
    ),
    "desk.which_collection": Entry(
        "请用 --collection 指明收集任务（现有：{collections}）。",
        "name the collection with --collection (there are: {collections}).",
    ),
    "desk.no_region": Entry(
        "收集任务“{collection}”中没有地区“{region}”。", "collection “{collection}” has no region “{region}”."
    ),
    "desk.no_version": Entry("地区 {region} 没有第 {number} 版。", "region {region} has no version {number}."),
    "desk.closed": Entry(
        "本次收集（{collection}）已截止关闭，不再接收上报。如需补报，请联系财政局。",
        "this collection ({collection}) is closed and takes no more returns; ask the bureau if you must send one.",
    ),
    "desk.busy": Entry(
        "同一地区正有另一份报表在保存，请稍后重试。", "another upload of this region is being saved: try again."
    ),
    "desk.summary_failed": Entry("汇总表未能生成：{reason}", "the summary could not be built: {reason}"),
    "desk.backup_postgres": Entry(
        "PostgreSQL 上的报送平台请用 pg_dump 备份（上传的文件也在数据库中）。",
        "back up a PostgreSQL desk with pg_dump (its uploaded files are in the database).",
    ),
    "desk.backup_exists": Entry(
        "备份目录 {path} 已存在且不为空，请换一个新目录。",
        "the backup folder {path} exists and is not empty: use a new one.",
    ),
    "desk.approve_rejected": Entry(
        "第 {number} 版无法受理（无法读取或不是本地区、本年度的报表），不能审核通过。",
        "version {number} was rejected (unreadable, or not this region's or year's return): it cannot be approved.",
    ),
    "desk.check_failed": Entry(
        "这份文件的校验未能完成（{reason}），未记录为报送版本。请稍后重新上传；如反复出现，请用下发的模板重新填写。",
        "the check of this file did not finish ({reason}); nothing was recorded. Upload it again later; if it keeps "
        "happening, fill in the template you were sent again.",
    ),
    "desk.unfinished_timeout": Entry("超过 {seconds} 秒仍未完成", "not done after {seconds} s"),
    "desk.unfinished_crashed": Entry("校验进程异常退出：{reason}", "the checker process died: {reason}"),
    "desk.too_many_versions": Entry(
        "本地区已上传 {limit} 个版本，达到上限，请联系财政局。",
        "this region has sent {limit} versions, the limit: ask the bureau.",
    ),
    "desk.too_many_logins": Entry(
        "登录失败次数过多，请 {minutes} 分钟后再试。", "too many failed sign-ins: try again in {minutes} minutes."
    ),
    "desk.method": Entry("不支持这种请求方式。", "this method is not allowed here."),
    "desk.bad_request": Entry("请求的地址或参数有误。", "the address or its parameters are wrong."),
    "desk.internal": Entry(
        "服务器内部错误，操作未完成。请稍后重试。", "an internal error: nothing was done. Try again later."
    ),
    "desk.action": Entry("未知的审核操作“{action}”。", "unknown review action “{action}”."),
    "desk.comment_needed": Entry("退回时请写明退回原因。", "say why when you send a return back."),
    "desk.user_name": Entry(
        "用户名“{name}”不可用：请用字母、数字、点、下划线或连字符，最长 40 个字符。",
        "the user name “{name}” cannot be used: letters, digits, dot, underscore or hyphen, at most 40.",
    ),
    "desk.user_exists": Entry("用户“{name}”已存在。", "user “{name}” exists already."),
    "desk.password_short": Entry("密码至少 8 个字符。", "the password needs at least 8 characters."),
    "desk.password_file": Entry("无法读取密码文件 {path}：{reason}", "cannot read the password file {path}: {reason}"),
    "desk.db_url": Entry(
        "--db 只接受 sqlite:/// 或 postgresql+psycopg:// 开头的数据库地址（收到 {url}）。",
        "--db takes a URL starting sqlite:/// or postgresql+psycopg:// (got {url}).",
    ),
    "desk.db_error": Entry("无法打开数据库：{reason}", "the database cannot be opened: {reason}"),
    "desk.deadline": Entry(
        "截止日期“{value}”不是日期，请写成 2026-03-31 的格式。",
        "the deadline “{value}” is not a date: write it as 2026-03-31.",
    ),
    "desk.targets_bad": Entry(
        "审定指标清单有错误，未开启收集：", "the targets list has errors; the collection was not opened:"
    ),
    "desk.too_large": Entry(
        "文件超过 {limit} MB 的上限，未保存。请确认上传的是填报模板（正常的报表不到 1 MB）。",
        "the file is over the {limit} MB limit and was not stored: upload the filled template (a return is under 1 MB).",
    ),
    "desk.no_file": Entry("请选择要上传的文件。", "choose a file to upload."),
    "desk.bad_form": Entry(
        "上传的内容不是文件表单，请用页面上的上传按钮。", "the upload is not a file form: use the page's upload button."
    ),
    "desk.not_found": Entry(
        "链接无效：可能已被重新发放或输入有误。请使用财政局最新发给你的报送链接。",
        "this link does not work: it may have been reissued or mistyped. Use the latest link the bureau sent you.",
    ),
    "desk.form_too_large": Entry("提交的内容过大。", "the form is too large."),
    "desk.forbidden": Entry("没有权限。", "not allowed."),
    "desk.csrf": Entry(
        "页面已过期或来源不明，操作未执行。请返回刷新页面后重试。",
        "the page expired or did not come from this site; nothing was done. Go back, reload and try again.",
    ),
    "desk.login_failed": Entry("用户名或密码不正确。", "wrong user name or password."),
    # the desk commands
    "cli.desk": Entry(
        "报送平台：开启收集、管理账号和报送链接。", "The collection desk: collections, logins and links."
    ),
    "cli.desk_open": Entry(
        "开启一次收集：为表样的每个地区生成报送链接，并给出财政局的管理令牌（只显示这一次）。\n\n"
        "示例：xltools desk open --spec yibao_dept --year 2025 --deadline 2026-03-31",
        "Open a collection: a secret link per region of the spec and the bureau's admin token (shown only once).\n\n"
        "Example: xltools desk open --spec yibao_dept --year 2025 --deadline 2026-03-31",
    ),
    "cli.desk_user_add": Entry(
        "为财政局工作人员开设登录账号（密码从文件读取，不出现在命令行中）。\n\n"
        "示例：xltools desk user add zhangsan --password-file 密码.txt",
        "Give a bureau staff member a login (the password is read from a file, never typed on the command line).\n\n"
        "Example: xltools desk user add zhangsan --password-file pw.txt",
    ),
    "cli.desk_user": Entry("财政局工作人员的登录账号。", "Bureau staff logins."),
    "cli.desk_link": Entry(
        "重新发放某地区的报送链接：旧链接立即失效。\n\n示例：xltools desk link --region 440222 --reissue",
        "Reissue a region's link: the old one stops working at once.\n\nExample: xltools desk link --region 440222 --reissue",
    ),
    "cli.desk_backup": Entry(
        "在平台运行时备份数据目录（数据库和上传的文件）到一个新目录；恢复时把该目录作为 --data 即可。\n\n"
        "示例：xltools desk backup 备份/2026-03-31",
        "Back up the data folder (database and uploads) into a new folder while the desk runs; restore by "
        "serving that folder with --data.\n\nExample: xltools desk backup backups/2026-03-31",
    ),
    "cli.desk_backed_up": Entry(
        "已备份到 {path}（{count} 个上传文件）。", "backed up to {path} ({count} uploaded files)."
    ),
    "cli.serve": Entry(
        "运行报送平台（网页）：各地通过链接上传，财政局登录查看台账。\n\n示例：xltools serve --port 8000",
        "Run the collection desk (web): counties upload through their links, the bureau keeps the ledger.\n\n"
        "Example: xltools serve --port 8000",
    ),
    "opt.data": Entry(
        "数据目录（SQLite 数据库和上传文件），默认 ./xltools-data",
        "data folder (SQLite and uploads), default ./xltools-data",
    ),
    "opt.db": Entry(
        "数据库地址，如 postgresql+psycopg://用户@主机/库名", "database URL, e.g. postgresql+psycopg://user@host/db"
    ),
    "opt.spec_desk": Entry("表样 id（见 xltools specs）", "spec id (see xltools specs)"),
    "opt.year_desk": Entry("收集的报表年度", "the year of the returns collected"),
    "opt.format_desk": Entry("text（给人看）或 json（给程序读）", "text (for people) or json (for programs)"),
    "opt.deadline": Entry("截止日期，如 2026-03-31", "deadline, e.g. 2026-03-31"),
    "opt.base_url": Entry(
        "报送平台的网址，用于生成各地链接，如 https://jxzp.example.gov.cn", "the desk's address, for the links"
    ),
    "opt.password_file": Entry("密码文件（第一行为密码）", "a file whose first line is the password"),
    "opt.collection": Entry("收集任务编号（只有一个时可省略）", "the collection (may be left out when there is one)"),
    "opt.reissue": Entry("重新发放（旧链接失效）", "reissue (the old link stops working)"),
    "opt.region_code": Entry("地区代码", "region code"),
    "opt.host": Entry(
        "监听地址，默认 127.0.0.1（放在反向代理之后）", "address to listen on, default 127.0.0.1 (behind a proxy)"
    ),
    "opt.port": Entry("端口", "port"),
    "opt.max_upload": Entry("上传文件大小上限（MB）", "upload size limit in MB"),
    "opt.checkers": Entry("常驻校验进程数", "warm checker processes"),
    "opt.backup_target": Entry("备份到的新文件夹", "the new folder to back up into"),
    "opt.user_name": Entry(
        "用户名：字母、数字、点、下划线或连字符", "user name: letters, digits, dot, underscore, hyphen"
    ),
    "meta.user_name": Entry("用户名", "NAME"),
    "cli.desk_opened": Entry(
        "已开启收集 {collection}（{count} 个地区），截止 {deadline}。",
        "opened collection {collection} ({count} regions), deadline {deadline}.",
    ),
    "cli.desk_admin": Entry(
        "财政局管理令牌（用于接口，只显示这一次，请妥善保存）：{token}",
        "the bureau's admin token (for the API; shown only this once, keep it safe): {token}",
    ),
    "cli.desk_links": Entry(
        "各地报送链接（请分别发给各地，勿外传）：", "each region's link (send each to its region only):"
    ),
    "cli.desk_user_added": Entry("已添加用户 {name}。", "added user {name}."),
    "cli.desk_reissued": Entry(
        "已为 {region} 重新发放链接，旧链接已失效：{url}",
        "reissued the link of {region}; the old one no longer works: {url}",
    ),
    "cli.desk_reissue_needed": Entry("请加 --reissue 确认重新发放。", "add --reissue to confirm."),
    "cli.serving": Entry(
        "报送平台运行于 http://{host}:{port}/ （数据：{data}）。按 Ctrl-C 停止。",
        "the desk is running at http://{host}:{port}/ (data: {data}). Ctrl-C stops it.",
    ),
    # pages
    "page.title": Entry("绩效自评表报送平台", "Self-evaluation returns desk"),
    "page.county_title": Entry("{region} · {spec} {year} 年度", "{region} · {spec} {year}"),
    "page.deadline": Entry("截止日期：{date}", "deadline: {date}"),
    "page.closed": Entry("本次收集已关闭，不再接收上报。", "this collection is closed and takes no more returns."),
    "page.step_template": Entry("第一步：下载本地区的填报模板", "Step 1: download your region's template"),
    "page.template_hint": Entry(
        "用 Excel、WPS 或 LibreOffice 打开，填写黄色单元格后保存（不要改动表格结构）。",
        "open it in Excel, WPS or LibreOffice, fill the yellow cells and save (do not change its structure).",
    ),
    "page.download_template": Entry("下载填报模板", "Download the template"),
    "page.step_upload": Entry("第二步：上传填好的报表", "Step 2: upload the filled return"),
    "page.drop": Entry("把文件拖到这里，或点击选择文件", "drop the file here, or choose it"),
    "page.submit": Entry("提交报送", "Submit"),
    "page.check_only": Entry("仅检查，不提交", "Check only, do not submit"),
    "page.upload_hint": Entry(
        "“仅检查”不会记录版本；“提交报送”每次都记为一个新版本，财政局以最新版本为准（已审核通过的除外）。",
        "“check only” records nothing; each submission is a new version, and the latest counts (unless one was approved).",
    ),
    "page.result_version": Entry("第 {number} 版校验结果", "Version {number}: findings"),
    "page.result_check": Entry("检查结果（未提交）：{file}", "Check result (not submitted): {file}"),
    "page.no_findings": Entry("未发现问题。", "no problems found."),
    "page.download_annotated": Entry("下载标注了问题的报表", "Download the annotated copy"),
    "page.changes": Entry("与第 {number} 版相比", "Compared with version {number}"),
    "page.resolved": Entry("已解决 {count} 项", "{count} resolved"),
    "page.still_open": Entry("仍未解决 {count} 项", "{count} still open"),
    "page.new_findings": Entry("新出现 {count} 项", "{count} new"),
    "page.changed_values": Entry("改动了 {count} 个数值", "{count} values changed"),
    "page.history": Entry("报送记录", "Versions sent"),
    "page.no_versions": Entry("尚未报送。", "nothing sent yet."),
    "page.reviews": Entry("财政局审核意见", "The bureau's review"),
    "col.version": Entry("版本", "version"),
    "col.uploaded": Entry("上传时间", "uploaded"),
    "col.file": Entry("文件", "file"),
    "col.status": Entry("状态", "status"),
    "col.counts": Entry("错误 / 提示", "errors / warnings"),
    "col.review": Entry("审核", "review"),
    "col.sheet": Entry("工作表", "sheet"),
    "col.cell": Entry("单元格", "cell"),
    "col.severity": Entry("类别", "kind"),
    "col.message": Entry("问题", "problem"),
    "col.region_code": Entry("地区代码", "region code"),
    "col.region": Entry("地区", "region"),
    "col.versions": Entry("版本数", "versions"),
    "col.last_upload": Entry("最近上传", "last upload"),
    "col.on_time": Entry("是否按时", "on time"),
    "col.when": Entry("时间", "when"),
    "col.user": Entry("操作人", "who"),
    "col.action": Entry("操作", "action"),
    "col.detail": Entry("说明", "detail"),
    "col.old": Entry("原值", "was"),
    "col.new": Entry("新值", "now"),
    "on_time.yes": Entry("按时", "on time"),
    "on_time.no": Entry("逾期", "late"),
    "on_time.open": Entry("—", "—"),
    "page.view": Entry("查看", "view"),
    "page.pending": Entry("（第 {number} 版待审核）", "(version {number} awaits review)"),
    "page.login": Entry("财政局登录", "Bureau sign-in"),
    "page.user": Entry("用户名", "user name"),
    "page.password": Entry("密码", "password"),
    "page.sign_in": Entry("登录", "Sign in"),
    "page.sign_out": Entry("退出登录", "Sign out"),
    "page.signed_in": Entry("当前用户：{name}", "signed in as {name}"),
    "page.ledger": Entry("报送台账", "Ledger"),
    "page.collection": Entry(
        "{spec} {year} 年度（{collection}），截止 {deadline}", "{spec} {year} ({collection}), deadline {deadline}"
    ),
    "page.other_collections": Entry("其他收集任务：", "other collections:"),
    "page.no_collection": Entry(
        "还没有收集任务。请在服务器上运行 xltools desk open 开启。",
        "no collection yet: run xltools desk open on the server.",
    ),
    "page.counts": Entry("共 {total} 个地区", "{total} regions"),
    "page.summary": Entry("下载汇总表（.xlsx）", "Download the summary (.xlsx)"),
    "page.export": Entry("下载明细数据（.csv）", "Download the long export (.csv)"),
    "page.chase": Entry("催报名单", "Chase list"),
    "page.chase_csv": Entry("导出催报名单（.csv）", "Export the chase list (.csv)"),
    "page.chase_hint": Entry(
        "尚未报送、被退回、无法受理或有错误的地区，联系人取自其最近一次报表。",
        "regions not sent, sent back, rejected or with errors; contacts from their latest return.",
    ),
    "page.chase_none": Entry("所有地区都已报送且无错误。", "every region has sent a return without errors."),
    "page.audit": Entry("操作日志", "Audit log"),
    "page.close": Entry("关闭收集", "Close the collection"),
    "page.close_hint": Entry(
        "关闭后各地不能再上传（已收到的报表保留）。此操作不能撤销。",
        "after closing, no region can upload (what was received is kept). This cannot be undone.",
    ),
    "page.closed_at": Entry("已于 {when} 关闭。", "closed at {when}."),
    "page.back": Entry("返回台账", "Back to the ledger"),
    "page.region_title": Entry("{region}（{code}）", "{region} ({code})"),
    "page.review_title": Entry("审核第 {number} 版", "Review version {number}"),
    "page.comment": Entry("审核意见（退回时必填，地区可见）", "comment (needed to send back; the region sees it)"),
    "page.approve": Entry("审核通过", "Approve"),
    "page.return": Entry("退回修改", "Send back"),
    "page.download_file": Entry("下载原文件", "Download the file"),
    "page.version_name": Entry("{stem}_第{number}版.xlsx", "{stem}_v{number}.xlsx"),
    "page.annotated_name": Entry("{stem}_第{number}版_校验意见.xlsx", "{stem}_v{number}_annotated.xlsx"),
    "page.summary_name": Entry("{spec}{year}年度汇总", "{spec} {year} summary"),
    "page.error_title": Entry("无法完成", "Cannot be done"),
    "page.not_found_title": Entry("页面不存在", "Not found"),
    "review.approved": Entry("审核通过", "approved"),
    "review.returned": Entry("退回修改", "sent back"),
    "audit.open": Entry("开启收集", "opened"),
    "audit.close": Entry("关闭收集", "closed"),
    "audit.approved": Entry("审核通过", "approved"),
    "audit.returned": Entry("退回", "sent back"),
    "audit.reissue": Entry("重新发放链接", "reissued a link"),
    "audit.user_add": Entry("添加用户", "added a user"),
    "audit.login": Entry("登录", "signed in"),
    "audit.login_failed": Entry("登录失败", "failed sign-in"),
    "audit.logout": Entry("退出", "signed out"),
    "audit.summary": Entry("下载汇总表", "downloaded the summary"),
}
