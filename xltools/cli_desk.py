"""The desk's commands (DESIGN §14): ``desk open``, ``desk user add``, ``desk link``, ``serve``.

They parse, call `xltools.desk` and print; a refusal is one line and exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from xltools.catalogue import say
from xltools.cli import LangOpt, _checked_targets, _fail, _lang, app, t

desk_app = typer.Typer(
    help=t("cli.desk"), no_args_is_help=True, options_metavar=t("meta.options"), subcommand_metavar=t("meta.command")
)
user_app = typer.Typer(
    help=t("cli.desk_user"),
    no_args_is_help=True,
    options_metavar=t("meta.options"),
    subcommand_metavar=t("meta.command"),
)
desk_app.add_typer(user_app, name="user")
app.add_typer(desk_app, name="desk")

DataOpt = Annotated[Path | None, typer.Option("--data", help=t("opt.data"), file_okay=False, metavar=t("meta.folder"))]
DbOpt = Annotated[str | None, typer.Option("--db", help=t("opt.db"), metavar="URL")]
FormatOpt = Annotated[str, typer.Option("--format", help=t("opt.format_desk"), metavar="text|json")]
DEFAULT_BASE = "http://127.0.0.1:8000"


@contextmanager
def refusals(lang: str) -> Iterator[None]:
    """The desk's refusals and an unreachable database as one line, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from xltools.desk import DeskError
    from xltools.spec import SpecError

    try:
        yield
    except DeskError as e:
        raise _fail(say(f"desk.{e.detail}", lang, **e.params)) from None
    except SpecError as e:
        raise _fail(e.text(lang)) from None
    except SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
        raise _fail(say("desk.db_error", lang, reason=reason)) from None
    except OSError as e:
        raise _fail(say("desk.db_error", lang, reason=e.strerror or type(e).__name__)) from None


def _desk(data: Path | None, db: str | None, create: bool = False) -> Any:
    """The desk of ``--data``/``--db``; only `desk open` and `desk user add` make a new one."""
    from xltools.desk import Desk

    return Desk.at(data, db, create=create)


def _format(fmt: str, lang: str) -> str:
    if fmt not in ("text", "json"):
        raise _fail(say("cli.bad_value", lang, option="--format", allowed="text, json", value=fmt))
    return fmt


@desk_app.command("open", help=t("cli.desk_open"), options_metavar=t("meta.options"))
def open_cmd(
    spec: Annotated[str, typer.Option("--spec", "-s", help=t("opt.spec_make"), metavar=t("meta.spec"))],
    year: Annotated[
        int, typer.Option("--year", "-y", help=t("opt.year_make"), min=2000, max=2100, metavar=t("meta.year"))
    ],
    deadline: Annotated[str, typer.Option("--deadline", help=t("opt.deadline"), metavar="YYYY-MM-DD")],
    targets: Annotated[Path | None, typer.Option("--targets", help=t("opt.targets"), metavar=t("meta.file"))] = None,
    data: DataOpt = None,
    db: DbOpt = None,
    base_url: Annotated[str, typer.Option("--base-url", help=t("opt.base_url"), metavar="URL")] = DEFAULT_BASE,
    fmt: FormatOpt = "text",
    lang: LangOpt = None,
) -> None:
    lg = _lang(lang)
    _format(fmt, lg)
    try:
        due = dt.date.fromisoformat(deadline)
    except ValueError:
        raise _fail(say("desk.deadline", lg, value=deadline)) from None
    with refusals(lg):
        from xltools.spec import load_spec

        s = load_spec(spec)
        rows = None
        if targets is not None:
            from xltools.targets import read_targets

            rows = _checked_targets(read_targets, targets, s, year, lg)
        opened = _desk(data, db, create=True).open_collection(s.id, year, due, rows, base_url)
    if fmt == "json":
        typer.echo(json.dumps(opened.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(say("cli.desk_opened", lg, collection=opened.collection, count=len(opened.links), deadline=due))
    typer.echo(say("cli.desk_admin", lg, token=opened.admin_token))
    typer.echo(say("cli.desk_links", lg))
    for x in opened.links:
        typer.echo(f"  {x.region_code} {x.region_name}  {x.url}")


@user_app.command("add", help=t("cli.desk_user_add"), options_metavar=t("meta.options"))
def user_add_cmd(
    name: Annotated[str, typer.Argument(help=t("opt.user_name"), metavar=t("meta.user_name"))],
    password_file: Annotated[
        Path, typer.Option("--password-file", help=t("opt.password_file"), metavar=t("meta.file"))
    ],
    data: DataOpt = None,
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    lg = _lang(lang)
    try:
        with open(password_file, encoding="utf-8") as fh:
            password = fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or type(e).__name__
        raise _fail(say("desk.password_file", lg, path=password_file, reason=reason)) from None
    with refusals(lg):
        _desk(data, db, create=True).add_user(name, password)
    typer.echo(say("cli.desk_user_added", lg, name=name))


@desk_app.command("link", help=t("cli.desk_link"), options_metavar=t("meta.options"))
def link_cmd(
    region: Annotated[str, typer.Option("--region", "-r", help=t("opt.region_code"), metavar=t("meta.region"))],
    reissue: Annotated[bool, typer.Option("--reissue", help=t("opt.reissue"))] = False,
    collection: Annotated[str | None, typer.Option("--collection", help=t("opt.collection"), metavar="ID")] = None,
    data: DataOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "text",
    lang: LangOpt = None,
) -> None:
    lg = _lang(lang)
    _format(fmt, lg)
    if not reissue:
        raise _fail(say("cli.desk_reissue_needed", lg))
    with refusals(lg):
        desk = _desk(data, db)
        c = desk.only_collection(collection)
        issued = desk.reissue(c.id, region)
    if fmt == "json":
        out = {"collection": c.id, "region_code": issued.region_code, "region_name": issued.region_name}
        typer.echo(json.dumps(out | {"token": issued.token, "url": issued.url}, ensure_ascii=False))
        return
    typer.echo(say("cli.desk_reissued", lg, region=f"{issued.region_code} {issued.region_name}", url=issued.url))


@desk_app.command("backup", help=t("cli.desk_backup"), options_metavar=t("meta.options"))
def backup_cmd(
    target: Annotated[Path, typer.Argument(help=t("opt.backup_target"), metavar=t("meta.folder"))],
    data: DataOpt = None,
    lang: LangOpt = None,
) -> None:
    lg = _lang(lang)
    with refusals(lg):
        out = _desk(data, None).backup(target)
    count = sum(1 for p in (out / "uploads").rglob("*") if p.is_file()) if (out / "uploads").exists() else 0
    typer.echo(say("cli.desk_backed_up", lg, path=out, count=count))


@app.command("serve", help=t("cli.serve"), options_metavar=t("meta.options"))
def serve_cmd(
    data: DataOpt = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help=t("opt.host"), metavar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=t("opt.port"), min=1, max=65535, metavar="PORT")] = 8000,
    max_upload: Annotated[
        int, typer.Option("--max-upload", help=t("opt.max_upload"), min=1, max=2048, metavar="MB")
    ] = 20,
    checkers: Annotated[
        int, typer.Option("--checkers", help=t("opt.checkers"), min=1, max=32, metavar=t("meta.n"))
    ] = 2,
    lang: LangOpt = None,
) -> None:
    lg = _lang(lang)
    import uvicorn

    from xltools.desk.checking import Checker
    from xltools.web import Settings, create_app
    from xltools.web.app import MB

    settings = Settings(data=data, db=db, max_upload=max_upload * MB, checkers=checkers)
    with refusals(lg):
        desk = _desk(data, db)
    checker = Checker(settings.checkers, settings.check_timeout, settings.check_memory)
    try:
        if not checker.ready():
            raise _fail(say("desk.checkers_failed", lg, reason=checker.failure() or "?"))
        web = create_app(settings, desk, checker)
        where = (db or "").split("@")[-1] if db else str((data or Path("xltools-data")).resolve())
        typer.echo(say("cli.serving", lg, host=host, port=port, data=where), err=True)
        try:
            uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)
        except OSError as e:
            raise _fail(e.strerror or str(e)) from None
    finally:
        checker.close()
