"""The `xltools` command line: parse arguments, call the library, render, map to an exit status.

Heavy libraries are imported inside the commands, so `xltools --help` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="xltools",
    help="绩效自评表工具：生成填报模板、校验上报文件、汇总各地报表。"
    " Templates, checks and summaries for budget-performance self-evaluation returns.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

SchemasOpt = Annotated[
    Path | None,
    typer.Option(
        "--schemas", help="Folder of spec files (default: the bundled schemas/).", file_okay=False, exists=True
    ),
]

EXIT_OK, EXIT_ERRORS, EXIT_BAD = 0, 1, 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"xltools: {message}", err=True)
    return typer.Exit(EXIT_BAD)


@app.command("specs")
def specs_cmd(schemas: SchemasOpt = None) -> None:
    """List the return types (specs) available, with their versions and field counts."""
    from xltools.spec import SpecError, list_specs

    try:
        specs = list_specs(schemas)
    except SpecError as e:
        raise _fail(str(e)) from None
    for s in specs:
        columns = len(s.table.columns) if s.table else 0
        typer.echo(
            f"{s.id:<14} 版本 {s.version:<6} {s.title}  "
            f"（{len(s.fields)} 个字段：{len(s.inputs)} 填报 + {len(s.derived)} 公式；指标表 {columns} 列）"
        )


@app.command("make-template")
def make_template_cmd(
    spec: Annotated[str, typer.Option("--spec", "-s", help="Spec id (see `xltools specs`) or path to a .yaml spec.")],
    region: Annotated[
        str | None,
        typer.Option(
            "--region", "-r", help="Region code or name to prefill and lock, or `all` for one file per region."
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="Year of the return (default: last calendar year).", min=2000, max=2100),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output .xlsx file (a folder with --region all).")
    ] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Sheet-protection password (default: none).")
    ] = None,
    schemas: SchemasOpt = None,
) -> None:
    """Build a locked submission workbook (.xlsx) from a spec."""
    from xltools.build import build_template, build_templates, default_year, template_name
    from xltools.spec import SpecError, load_spec

    try:
        s = load_spec(spec, schemas)
    except SpecError as e:
        raise _fail(str(e)) from None
    y = year or default_year()
    if region is not None and region.lower() == "all":
        folder = output or Path(f"{s.id}_{y}")
        if folder.suffix == ".xlsx":
            raise _fail(f"--region all writes one file per region: give a folder, not {folder}")
        paths = build_templates(s, folder, y, password)
        typer.echo(f"已生成 {len(paths)} 个模板 → {folder}/")
        return
    r = None
    if region is not None:
        r = s.regions.find(region)
        if r is None:
            known = "、".join(f"{x.code} {x.name}" for x in s.regions.regions)
            raise _fail(f"地区 {region!r} 不在 {s.regions.name} 的地区列表中（可用: {known}）")
    out = output or Path(template_name(s, y, r))
    if out.is_dir():
        out = out / template_name(s, y, r)
    build_template(s, out, y, r, password)
    typer.echo(f"已生成模板 → {out}")


@app.command("check")
def check_cmd(
    files: Annotated[list[Path], typer.Argument(help="Returned .xlsx files (or folders of them) to check.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text (for a person) or json (one object per file per line).")
    ] = "text",
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            "-a",
            help="Write a copy of each return with every finding's cell marked and commented "
            "(a file for one return, a folder for several).",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the messages: zh or en.")] = "zh",
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Processes to read returns in (default: all cores).", min=1)
    ] = None,
    spec: Annotated[
        str | None, typer.Option("--spec", "-s", help="Expect this spec: a return of another is a `template` error.")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", "-y", help="Expect this year: a return of another is a `template` error.", min=2000, max=2100
        ),
    ] = None,
    schemas: SchemasOpt = None,
) -> None:
    """Check returned workbooks; exit 0 when no file has errors, 1 when some has, 2 when some is unreadable."""
    if fmt not in ("text", "json"):
        raise _fail(f"--format must be text or json, not {fmt!r}")
    if lang not in ("zh", "en"):
        raise _fail(f"--lang must be zh or en, not {lang!r}")
    import os

    from xltools.check import check_files
    from xltools.files import find_returns
    from xltools.report import annotate as annotate_copy
    from xltools.report import render_json, render_text

    paths = find_returns(files)
    if not paths:
        raise _fail("没有找到任何文件 / no files found")
    reports = check_files(paths, lang, schemas, jobs or os.cpu_count() or 1, None, spec, year)
    if fmt == "json":
        typer.echo(render_json(reports))
    else:
        import sys

        typer.echo(render_text(reports, lang, color=sys.stdout.isatty()), nl=False)
    if annotate is not None:
        several = len(paths) > 1 or annotate.is_dir() or annotate.suffix.lower() != ".xlsx"
        for path, report in zip(paths, reports, strict=True):
            out = annotate / f"{path.stem}.checked.xlsx" if several else annotate
            try:
                annotate_copy(report, path, out)
            except Exception as e:  # the copy is a courtesy; the check itself has been reported
                typer.echo(f"xltools: could not write the annotated copy of {path}: {e}", err=True)
    statuses = {r.status for r in reports}
    raise typer.Exit(EXIT_BAD if "unreadable" in statuses else EXIT_ERRORS if "errors" in statuses else EXIT_OK)


@app.command("aggregate")
def aggregate_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="Returned .xlsx files and/or folders of them.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The summary workbook to write (.xlsx).")],
    spec: Annotated[
        str | None, typer.Option("--spec", "-s", help="Spec being collected (default: the most common).")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="Year being collected (default: the most common).", min=2000, max=2100),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Processes to check returns in (default: all cores).", min=1)
    ] = None,
    export: Annotated[
        Path | None, typer.Option("--export", help="Also write a long-format export (.csv or .parquet).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the messages: zh or en.")] = "zh",
    schemas: SchemasOpt = None,
) -> None:
    """Merge all returns into one summary workbook: who sent what, what fails, and the totals."""
    if output.suffix.lower() != ".xlsx":
        raise _fail(f"--output must be an .xlsx file, not {output}")
    if export is not None and export.suffix.lower() not in (".csv", ".parquet"):
        raise _fail(f"--export must end in .csv or .parquet, not {export}")
    import sys

    from xltools.aggregate import AggregateError, aggregate
    from xltools.summary import STATUS_ZH, export_long, write_summary

    try:
        if sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("校验报表", total=None)
                summary = aggregate(
                    inputs,
                    spec,
                    year,
                    jobs,
                    lang,
                    schemas,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        else:
            summary = aggregate(inputs, spec, year, jobs, lang, schemas)
    except AggregateError as e:
        raise _fail(str(e)) from None
    write_summary(summary, output)
    if export is not None:
        export_long(summary, export)
    counts = summary.counts()
    parts = "，".join(f"{STATUS_ZH[k]} {counts[k]}" for k in STATUS_ZH if counts[k])
    typer.echo(f"{summary.spec.title} {summary.year} 年度：{len(summary.submissions)} 个文件，{parts} → {output}")


def main() -> None:
    app(prog_name="xltools")


if __name__ == "__main__":  # pragma: no cover
    main()
