"""The console in the reader's language: typer's vendored click has its headings, help option and usage
errors in English only; in a Chinese console they are put into Chinese here, from the catalogue."""

from __future__ import annotations

import re
from typing import Any


def localise_typer(lang: str) -> None:
    """Patch typer's help headings, usage line, help option and usage errors into ``lang`` (zh only)."""
    if lang != "zh":
        return
    try:
        from typer import core as tcore
        from typer._click import core as ccore
        from typer._click import exceptions as cexc
        from typer._click import formatting as cfmt
        from typer._click.utils import echo
    except ImportError:  # another typer layout: its English stays, nothing breaks
        return
    from xltools.catalogue.cli import CLICK_ZH

    tcore._ = lambda message: CLICK_ZH.get(message, message)  # type: ignore[attr-defined]
    write_usage = cfmt.HelpFormatter.write_usage

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, CLICK_ZH["Usage: "] if prefix is None else prefix)

    cfmt.HelpFormatter.write_usage = usage  # type: ignore[method-assign]
    get_help_option = ccore.Command.get_help_option

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = CLICK_ZH["Show this message and exit."]
        return option

    ccore.Command.get_help_option = help_option  # type: ignore[method-assign]
    if hasattr(
        tcore.TyperArgument, "display_type_rich"
    ):  # the argument's Python type (<list[Path]>) says nothing to a clerk

        def no_type(self: Any, ctx: Any = None) -> str:
            return ""

        tcore.TyperArgument.display_type_rich = no_type  # type: ignore[method-assign]

    def show(self: Any, file: Any = None) -> None:
        ctx = getattr(self, "ctx", None)
        if ctx is not None:
            hint = CLICK_ZH["Try"].format(command=ctx.command_path, option=ctx.help_option_names[0])
            echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None)
        echo(f"{CLICK_ZH['Error']}：{usage_error(self.format_message())}", file=file, err=file is None)

    cexc.UsageError.show = show  # type: ignore[method-assign]


def usage_error(message: str) -> str:
    """A usage error of click's in Chinese (its English when no pattern matches)."""
    from xltools.catalogue.cli import CLICK_ERRORS_ZH

    for pattern, template in CLICK_ERRORS_ZH:
        m = re.match(pattern, message, re.S)
        if m:
            return template.format(**{k: v or "" for k, v in m.groupdict().items()})
    return message
