"""The `xltools` command line: parse arguments, call the library, render, map to an exit status.

Every word comes from the catalogue, in Chinese unless ``--lang en`` or an English locale asks
otherwise (DESIGN §12) — help texts, metavars and click's own usage errors included. Heavy libraries
are imported inside the commands, so `xltools --help` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from xltools.catalogue import console_lang, localise, say
from xltools.console import localise_typer

if TYPE_CHECKING:
    from xltools.findings import Report


def _argv_lang(argv: list[str]) -> str | None:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


LANG = console_lang(_argv_lang(sys.argv))  # help and usage errors are written before any option is parsed


def t(key: str, **params: Any) -> str:
    return say(key, LANG, **params)


localise_typer(LANG)

app = typer.Typer(
    name="xltools",
    help=t("cli.app"),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    options_metavar=t("meta.options"),
    subcommand_metavar=t("meta.command"),
)

EXIT_OK, EXIT_ERRORS, EXIT_BAD = 0, 1, 2

SchemasOpt = Annotated[
    Path | None,
    typer.Option("--schemas", help=t("opt.schemas"), file_okay=False, exists=True, metavar=t("meta.folder")),
]
LangOpt = Annotated[str | None, typer.Option("--lang", help=t("opt.lang"), metavar=t("meta.choice"))]
JobsOpt = Annotated[int | None, typer.Option("--jobs", "-j", help=t("opt.jobs"), min=1, metavar=t("meta.n"))]
PriorOpt = Annotated[Path | None, typer.Option("--prior", help=t("opt.prior"), metavar=t("meta.path"))]


def _fail(message: str) -> typer.Exit:
    typer.echo(say("cli.error", LANG, message=message), err=True)
    return typer.Exit(EXIT_BAD)


def _lang(lang: str | None) -> str:
    if lang is not None and lang not in ("zh", "en"):
        raise _fail(t("cli.bad_value", option="--lang", allowed="zh, en", value=lang))
    return console_lang(lang)


def _guarded(fn: Any, lang: str, *args: Any, **kwargs: Any) -> Any:
    """Run a library call; its expected failures become one line and exit 2, never a traceback."""
    from xltools.atomic import OutputError
    from xltools.spec import SpecError

    try:
        return fn(*args, **kwargs)
    except SpecError as e:
        raise _fail(e.text(lang)) from None
    except OutputError as e:
        raise _fail(say(f"output.{e.detail}", lang, path=e.path, reason=localise(e.reason, lang))) from None
    except Exception as e:  # a PriorError can only come from a loaded xltools.aggregate.prior (not imported
        prior = sys.modules.get("xltools.aggregate.prior")  # up front: it pulls in the summary writer)
        if prior is not None and isinstance(e, prior.PriorError):
            raise _fail(say(f"prior.{e.detail}", lang, **e.params)) from None
        raise


@app.command("specs", help=t("cli.specs"), options_metavar=t("meta.options"))
def specs_cmd(schemas: SchemasOpt = None, lang: LangOpt = None) -> None:
    from xltools.spec import list_specs

    lg = _lang(lang)
    for s in _guarded(list_specs, lg, schemas):
        columns = len(s.table.columns) if s.table else 0
        typer.echo(
            say(
                "cli.specs_line",
                lg,
                id=s.id,
                version=s.version,
                title=s.name.get(lg),
                fields=len(s.fields),
                inputs=len(s.inputs),
                derived=len(s.derived),
                columns=columns,
            )
        )


@app.command("make-template", help=t("cli.make_template"), options_metavar=t("meta.options"))
def make_template_cmd(
    spec: Annotated[str, typer.Option("--spec", "-s", help=t("opt.spec_make"), metavar=t("meta.spec"))],
    region: Annotated[
        str | None, typer.Option("--region", "-r", help=t("opt.region"), metavar=t("meta.region"))
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help=t("opt.year_make"), min=2000, max=2100, metavar=t("meta.year"))
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=t("opt.output_make"), metavar=t("meta.path"))
    ] = None,
    password: Annotated[str | None, typer.Option("--password", help=t("opt.password"), metavar=t("meta.text"))] = None,
    targets: Annotated[Path | None, typer.Option("--targets", help=t("opt.targets"), metavar=t("meta.file"))] = None,
    targets_template: Annotated[
        Path | None, typer.Option("--targets-template", help=t("opt.targets_template"), metavar=t("meta.file"))
    ] = None,
    schemas: SchemasOpt = None,
    lang: LangOpt = None,
) -> None:
    from xltools.atomic import check_output
    from xltools.spec import load_spec
    from xltools.template import build_template, build_templates, default_year, template_name

    lg = _lang(lang)
    s = _guarded(load_spec, lg, spec, schemas)
    y = year or default_year()
    rows = None
    if targets is not None and targets_template is not None:
        raise _fail(say("cli.targets_both", lg))
    if targets is not None or targets_template is not None:
        from xltools.targets import COLUMNS, accepts_targets, read_targets, write_targets_template

        if not accepts_targets(s):
            raise _fail(say("cli.targets_no_table", lg, spec=s.id, columns=", ".join(COLUMNS[1:])))
        if targets_template is not None:
            if targets_template.suffix.lower() != ".xlsx":
                raise _fail(
                    say("cli.output_suffix", lg, option="--targets-template", suffixes=".xlsx", path=targets_template)
                )
            _guarded(check_output, lg, targets_template)
            _guarded(write_targets_template, lg, s, targets_template, y)
            typer.echo(say("cli.targets_template_written", lg, path=targets_template))
            return
        rows = _checked_targets(read_targets, targets, s, y, lg)
        if region is None:
            region = "all"
    if region is not None and region.lower() == "all":
        folder = output or Path(f"{s.id}_{y}")
        if folder.suffix.lower() == ".xlsx":
            raise _fail(say("cli.region_all_folder", lg, path=folder))
        _guarded(check_output, lg, folder, folder=True)
        paths = _guarded(build_templates, lg, s, folder, y, password, rows)
        typer.echo(say("cli.templates_written", lg, count=len(paths), path=f"{folder}/"))
        if rows is not None:
            named = [f"{r.name}" for r in s.regions.regions if r.code in rows]
            sep = say("cli.list_separator", lg)
            typer.echo(say("cli.targets_applied", lg, count=len(named), names=sep.join(named) or "—"))
        return
    r = None
    if region is not None:
        r = s.regions.find(region)
        if r is None:
            near = s.regions.suggest(region)
            hint = (
                say("cli.region_hint", lg, near="、".join(f"{x.code} {x.name}" for x in near))
                if near
                else say("cli.region_known", lg, known="、".join(f"{x.code} {x.name}" for x in s.regions.regions[:20]))
            )
            raise _fail(say("cli.unknown_region", lg, region=region, regions=s.regions.name, hint=hint))
    out = output or Path(template_name(s, y, r))
    if out.is_dir():
        out = out / template_name(s, y, r)
    _guarded(check_output, lg, out)
    if rows is not None and r is not None and r.code not in rows:
        typer.echo(say("cli.targets_region", lg, region=f"{r.code} {r.name}"), err=True)
    _guarded(build_template, lg, s, out, y, r, password, rows)
    typer.echo(say("cli.template_written", lg, path=out))


def _checked_targets(read: Any, path: Path | None, spec: Any, year: int, lg: str) -> dict[str, Any]:
    """The targets list read and checked; its findings shown as `check` shows a return's, and no template
    written (exit 1, or 2 when unreadable) while it has errors."""
    from xltools.report import render_text

    assert path is not None
    targets = read(path, spec, year)
    if targets.report.findings:
        typer.echo(render_text([targets.report], lg, color=sys.stdout.isatty()), nl=False)
    if not targets.usable:
        typer.echo(say("cli.targets_rejected", lg, path=path), err=True)
        raise typer.Exit(EXIT_BAD if targets.report.unreadable else EXIT_ERRORS)
    return dict(targets.rows)


@app.command("check", help=t("cli.check"), options_metavar=t("meta.options"))
def check_cmd(
    files: Annotated[list[Path], typer.Argument(help=t("opt.files"), metavar=t("meta.files"))],
    fmt: Annotated[str, typer.Option("--format", "-f", help=t("opt.format"), metavar=t("meta.format"))] = "text",
    annotate: Annotated[
        Path | None, typer.Option("--annotate", "-a", help=t("opt.annotate"), metavar=t("meta.path"))
    ] = None,
    annotate_all: Annotated[bool, typer.Option("--annotate-all", help=t("opt.annotate_all"))] = False,
    lang: LangOpt = None,
    jobs: JobsOpt = None,
    spec: Annotated[str | None, typer.Option("--spec", "-s", help=t("opt.spec_check"), metavar=t("meta.spec"))] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help=t("opt.year_check"), min=2000, max=2100, metavar=t("meta.year"))
    ] = None,
    prior: PriorOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    lg = _lang(lang)
    if fmt not in ("text", "json"):
        raise _fail(say("cli.bad_value", lg, option="--format", allowed="text, json", value=fmt))
    import os

    from xltools.atomic import check_output
    from xltools.check import check_files
    from xltools.check.pipeline import unreadable_report
    from xltools.files import find_returns
    from xltools.report import render_json, render_text

    inputs = find_returns(files)
    if not inputs:
        raise _fail(say("cli.no_files", lg))
    several = len(inputs) > 1
    if annotate is not None:
        if several and annotate.suffix.lower() == ".xlsx":
            raise _fail(say("cli.annotate_folder", lg, count=len(inputs), path=annotate))
        _guarded(check_output, lg, annotate, folder=several)
    if spec:
        from xltools.spec import load_spec

        _guarded(load_spec, lg, spec, schemas)
    readable = [i for i in inputs if not i.problem]
    paths, names, n = [i.path for i in readable], [i.name for i in readable], jobs or os.cpu_count() or 1
    if prior is not None:
        from xltools.aggregate.prior import check_with_prior

        skipped: list[Any] = []
        checked = iter(_guarded(check_with_prior, lg, paths, prior, schemas, n, spec, year, names, skipped))
        for file, problem in skipped:
            reason = say(f"prior.{problem.detail}", lg, **problem.params)
            typer.echo(say("prior.skipped", lg, file=Path(file).name, reason=reason), err=True)
    else:
        checked = iter(_guarded(check_files, lg, paths, schemas, n, None, spec, year, names))
    reports = [unreadable_report(i.name, i.problem, reason="") if i.problem else next(checked) for i in inputs]
    if fmt == "json":
        typer.echo(render_json(reports, lg))
    else:
        typer.echo(render_text(reports, lg, color=sys.stdout.isatty()), nl=False)
    if annotate is not None:
        _annotate(inputs, reports, annotate, several, annotate_all, lg)
    statuses = {r.status for r in reports}
    raise typer.Exit(EXIT_BAD if "unreadable" in statuses else EXIT_ERRORS if "errors" in statuses else EXIT_OK)


def _annotate(
    inputs: list[Any], reports: list[Report], target: Path, several: bool, everything: bool, lang: str
) -> None:
    from xltools.atomic import OutputError
    from xltools.files import safe_file_name
    from xltools.report import annotate as annotate_copy

    written: list[Path] = []
    for given, report in zip(inputs, reports, strict=True):
        if report.unreadable or (not report.findings and not everything):
            continue
        out = target / safe_file_name(f"{Path(given.name).stem}.checked.xlsx") if several else target
        try:
            if annotate_copy(report, given.path, out) is not None:
                written.append(out)
        except (OutputError, OSError, ValueError, KeyError) as e:  # the copy is a courtesy: the check stands
            reason = localise(getattr(e, "reason", None) or type(e).__name__, lang)
            typer.echo(say("report.annotate_failed", lang, file=given.name, reason=reason), err=True)
    for path in written:
        typer.echo(say("report.annotated", lang, path=path), err=True)


@app.command("aggregate", help=t("cli.aggregate"), options_metavar=t("meta.options"))
def aggregate_cmd(
    inputs: Annotated[list[Path], typer.Argument(help=t("opt.files"), metavar=t("meta.files"))],
    output: Annotated[Path, typer.Option("--output", "-o", help=t("opt.output_agg"), metavar=t("meta.file"))],
    spec: Annotated[str | None, typer.Option("--spec", "-s", help=t("opt.spec_agg"), metavar=t("meta.spec"))] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help=t("opt.year_agg"), min=2000, max=2100, metavar=t("meta.year"))
    ] = None,
    jobs: JobsOpt = None,
    export: Annotated[Path | None, typer.Option("--export", help=t("opt.export"), metavar=t("meta.file"))] = None,
    prior: PriorOpt = None,
    lang: LangOpt = None,
    schemas: SchemasOpt = None,
    executor: Annotated[str, typer.Option("--executor", help=t("opt.executor"), metavar="local|dask")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help=t("opt.scheduler"), metavar="URL")] = None,
) -> None:
    lg = _lang(lang)
    if executor not in ("local", "dask"):
        raise _fail(say("cli.bad_value", lg, option="--executor", allowed="local, dask", value=executor))
    if scheduler is not None and executor != "dask":
        raise _fail(say("cli.scheduler_without_dask", lg))
    if output.suffix.lower() != ".xlsx":
        raise _fail(say("cli.output_suffix", lg, option="--output", suffixes=".xlsx", path=output))
    if export is not None and export.suffix.lower() not in (".csv", ".parquet"):
        raise _fail(say("cli.output_suffix", lg, option="--export", suffixes=".csv / .parquet", path=export))
    import tempfile

    from xltools.aggregate import AggregateError, aggregate, write_outputs
    from xltools.aggregate.prior import PriorError
    from xltools.aggregate.spool import SpoolError
    from xltools.atomic import check_output
    from xltools.spec import SpecError

    _guarded(check_output, lg, output)
    if export is not None:
        _guarded(check_output, lg, export)
    try:
        if sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task(say("cli.progress", lg), total=None)
                summary = aggregate(
                    inputs,
                    spec,
                    year,
                    jobs,
                    schemas,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    prior=prior,
                    executor=executor,
                    scheduler=scheduler,
                )
        else:
            summary = aggregate(inputs, spec, year, jobs, schemas, prior=prior, executor=executor, scheduler=scheduler)
    except AggregateError as e:
        raise _fail(e.text(lg)) from None
    except RuntimeError as e:  # the Dask cluster (ClusterError): one line
        if type(e).__name__ != "ClusterError":
            raise
        raise _fail(say(f"cluster.{e.detail}", lg, **e.params)) from None  # type: ignore[attr-defined]
    except SpecError as e:
        raise _fail(e.text(lg)) from None
    except PriorError as e:
        raise _fail(say(f"prior.{e.detail}", lg, **e.params)) from None
    except SpoolError as e:
        raise _fail(say("aggregate.spool", lg, folder=tempfile.gettempdir(), reason=str(e))) from None
    try:
        paths = _guarded(write_outputs, lg, summary, output, export)
    except SpoolError as e:
        raise _fail(say("aggregate.spool", lg, folder=tempfile.gettempdir(), reason=str(e))) from None
    finally:
        summary.close()
    typer.echo(console_summary(summary, lg))
    typer.echo(say("cli.written", lg, paths=[str(p) for p in paths]))


@app.command("diff", help=t("cli.diff"), options_metavar=t("meta.options"))
def diff_cmd(
    old: Annotated[Path, typer.Argument(help=t("opt.old"), metavar=t("meta.file"))],
    new: Annotated[Path, typer.Argument(help=t("opt.new"), metavar=t("meta.file"))],
    fmt: Annotated[str, typer.Option("--format", "-f", help=t("opt.format"), metavar=t("meta.format"))] = "text",
    lang: LangOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    lg = _lang(lang)
    if fmt not in ("text", "json"):
        raise _fail(say("cli.bad_value", lg, option="--format", allowed="text, json", value=fmt))
    from xltools.versions import DiffError, diff_returns, render_diff_json, render_diff_text

    try:
        result = _guarded(diff_returns, lg, old, new, schemas)
    except DiffError as e:
        raise _fail(say(f"diff.{e.detail}", lg, **e.params)) from None
    typer.echo(render_diff_json(result, lg) if fmt == "json" else render_diff_text(result, lg), nl=fmt == "json")
    raise typer.Exit(EXIT_ERRORS if result.new.errors else EXIT_OK)


@app.command("print", help=t("cli.print"), options_metavar=t("meta.options"))
def print_cmd(
    files: Annotated[list[Path], typer.Argument(help=t("opt.files"), metavar=t("meta.files"))],
    output: Annotated[Path, typer.Option("--output", "-o", help=t("opt.output_print"), metavar=t("meta.path"))] = Path(
        "."
    ),
    combine: Annotated[bool, typer.Option("--combine", help=t("opt.combine"))] = False,
    lang: LangOpt = None,
    schemas: SchemasOpt = None,
) -> None:
    lg = _lang(lang)
    from xltools.atomic import check_output
    from xltools.files import find_returns
    from xltools.libreoffice import LibreOfficeError
    from xltools.paper import print_pdfs

    inputs = find_returns(files)
    if not inputs:
        raise _fail(say("cli.no_files", lg))
    to_file = combine or output.suffix.lower() == ".pdf"
    if len(inputs) > 1 and output.suffix.lower() == ".pdf" and not combine:
        raise _fail(say("cli.print_pdf_for_several", lg, count=len(inputs), path=output))
    _guarded(check_output, lg, output, folder=not to_file)
    try:
        results = _guarded(print_pdfs, lg, files, output, combine, schemas)
    except LibreOfficeError as e:
        raise _fail(say("cli.no_libreoffice", lg, reason=str(e))) from None
    shown: set[Path] = set()
    for r in results:
        if r.problem is not None:
            reason = say(f"unreadable.{r.problem.detail}", lg, **r.problem.params)
            typer.echo(say("cli.print_failed", lg, file=r.source.name, reason=reason), err=True)
        elif r.pdf is not None and r.pdf not in shown:
            shown.add(r.pdf)
            from xltools.paper import page_count

            typer.echo(say("cli.printed", lg, path=r.pdf, pages=page_count(r.pdf)))
    raise typer.Exit(EXIT_BAD if any(r.problem is not None for r in results) else EXIT_OK)


CONSOLE_NAMES, CONSOLE_FILES = 20, 50  # named on the console; the rest are in the summary's 报送情况 sheet
STATUS_SHEET = say("summary.status_sheet", "zh")  # the summary is a Chinese document: its sheet keeps its name


def console_summary(summary: Any, lang: str) -> str:
    """What a run of `aggregate` came to, in lines that cannot be misread: regions by status (named),
    how many are in the totals, and every file not used with its reason."""
    s = summary
    lines = [
        say(
            "cli.summary_head",
            lang,
            spec=s.spec.name.get(lang),
            year=s.year,
            regions=s.spec.regions.name,
            count=len(s.spec.regions.regions),
        )
    ]
    for code in ("ok", "warnings", "errors", "rejected", "missing"):
        regions = [r for r in s.spec.regions.regions if s.region_status(r) == code]
        if not regions:
            continue
        shown = [r.name for r in regions[:CONSOLE_NAMES]]
        if len(regions) > CONSOLE_NAMES:  # a province's thousands of names would bury the rest
            shown.append(say("cli.summary_more", lang, count=len(regions) - CONSOLE_NAMES, sheet=STATUS_SHEET))
        names = say("cli.summary_names", lang, names=shown) if code != "ok" else ""
        lines.append(
            say("cli.summary_region", lang, label=say(f"status.{code}", lang), count=len(regions), names=names)
        )
    lines.append(say("cli.summary_totals", lang, count=len({r.code for r, _ in s.in_totals()})))
    unused = [x for x in s.submissions if not x.counted]
    if unused:
        lines.append(say("cli.summary_files", lang, count=len(s.submissions), unused=len(unused)))
        for x in unused[:CONSOLE_FILES]:
            reason = x.reason.text(lang) if hasattr(x.reason, "text") else localise(x.reason, lang) if x.reason else ""
            lines.append(
                say("cli.summary_file", lang, name=x.file_name, status=say(f"status.{x.status}", lang), reason=reason)
            )
        if len(unused) > CONSOLE_FILES:
            lines.append(say("cli.summary_files_more", lang, count=len(unused) - CONSOLE_FILES, sheet=STATUS_SHEET))
    else:
        lines.append(say("cli.summary_files_all", lang, count=len(s.submissions)))
    return "\n".join(lines)


import xltools.cli_desk  # noqa: E402, F401  (registers `desk` and `serve` on the app above)

GC_YOUNG = 50_000  # new objects between the collector's runs in a command process (Python's default: 700)


def main() -> None:
    import gc

    from xltools.atomic import terminate_cleanly
    from xltools.imports import for_command

    for_command(sys.argv)
    # A command builds large structures that live to its end (pandas' and pandera's modules, a region list,
    # a run's returns); with the default threshold the collector walks them hundreds of times: 0.1 s of a
    # single check, 0.3 s of the main process of a 1,000-return aggregate (issue #14, measured).
    # Not for `serve`: a server lives on, and its cyclic garbage should not wait that long.
    if next((a for a in sys.argv[1:] if not a.startswith("-")), "") != "serve":
        gc.set_threshold(GC_YOUNG, 20, 20)

    terminate_cleanly()
    app(prog_name="xltools")


if __name__ == "__main__":  # pragma: no cover
    main()
