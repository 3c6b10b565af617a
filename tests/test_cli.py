"""The command line: every command documented in --help, one-line errors, exit statuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xltools.cli import app
from xltools.spec import load_spec

runner = CliRunner()
COMMANDS = [c.name for c in app.registered_commands]


def test_top_level_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "用法：" in result.output and "示例：" in result.output


def test_specs_lists_versions_and_counts() -> None:
    result = runner.invoke(app, ["specs"])
    assert result.exit_code == 0
    assert (
        "yibao_dept" in result.output
        and f"版本 {load_spec('yibao_dept').version}" in result.output
        and "47 个字段" in result.output
    )


def test_make_template_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = runner.invoke(
        app, ["make-template", "--spec", "yibao_dept", "--region", "440222", "--year", "2023", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--spec", "nope"], "找不到表样定义"),
        (["--spec", "project", "--region", "北京"], "不在韶关市的地区列表中"),
        (["--spec", "project", "--region", "始兴"], "是否想写：440222 始兴县"),
        (["--spec", "project", "--region", "all", "-o", "x.xlsx"], "请给出文件夹"),
    ],
)
def test_make_template_bad_calls_exit_2_with_one_line(args: list[str], words: str) -> None:
    result = runner.invoke(app, ["make-template", *args])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("module", ["xltools", "xltools.cli"])
def test_runs_as_a_module_in_a_subprocess(module: str) -> None:
    proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "make-template" in proc.stdout and "aggregate" in proc.stdout


def test_library_api_is_importable_from_the_package() -> None:
    import xltools

    for name in xltools.__all__:
        assert getattr(xltools, name) is not None, name
    assert xltools.aggregate_returns.__name__ == "aggregate"


def test_check_can_expect_a_spec_and_year() -> None:
    sample = next(Path(__file__).resolve().parent.parent.glob("samples/returns/*/440222_*.xlsx"))
    assert runner.invoke(app, ["check", str(sample), "--year", "2023", "--spec", "yibao_dept"]).exit_code == 0
    result = runner.invoke(app, ["check", str(sample), "--year", "2024"])
    assert (
        result.exit_code == 1
        and "请使用 2024 年度表样" in result.output
        and "请修改错误后重新上报" not in result.output
    )


def test_a_check_process_imports_neither_hypothesis_nor_pyarrow(tmp_path: Path) -> None:
    """What a check never uses stays out of its process (issue #14); a Parquet export still gets pyarrow."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    sample = root / "samples" / "returns" / "yibao_dept_2023" / "440222_始兴县_yibao_dept_2023.xlsx"
    check = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "xltools", "check", str(sample)], capture_output=True, text=True
    )
    assert check.returncode == 0 and "pandera" in check.stderr
    assert "| hypothesis" not in check.stderr and "| pyarrow" not in check.stderr
    out = tmp_path / "s.parquet"
    agg = subprocess.run(
        [
            sys.executable,
            "-m",
            "xltools",
            "aggregate",
            str(sample.parent),
            "-o",
            str(tmp_path / "s.xlsx"),
            "--export",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert agg.returncode == 0 and out.stat().st_size > 0, agg.stderr
