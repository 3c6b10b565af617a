"""Outliers (DESIGN §13): year over year, against peers, ratios and restated figures — each rule at its edges,
and `--prior` end to end on the bundled 2022 and 2023 returns."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from returns import make_return
from typer.testing import CliRunner

from xltools.aggregate import aggregate, write_outputs
from xltools.aggregate.prior import PriorError, load_prior
from xltools.catalogue import localise
from xltools.check.outliers import MIN_PEERS, Z_LIMIT, figures, modified_z, peers, year_over_year
from xltools.cli import app
from xltools.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
RETURNS = ROOT / "samples" / "returns"
NOW, BEFORE = RETURNS / "yibao_dept_2023", RETURNS / "yibao_dept_2022"
PLANTED = "440224"  # 仁化县: insured persons planted a third lower in 2022 (samples/build_samples.py)
SPEC = load_spec("yibao_dept")
runner = CliRunner()


def regions(n: int, **values: Any) -> dict[str, dict[str, Any]]:
    """``n`` regions' values: field -> list of n values (or one value for all)."""
    return {f"44{i:04d}": {k: (v[i] if isinstance(v, list) else v) for k, v in values.items()} for i in range(n)}


def flags(found: dict[str, list[Any]], detail: str | None = None) -> dict[str, list[str]]:
    return {code: [f.field for f in fs if detail is None or f.detail == detail] for code, fs in found.items()}


# --- the modified z-score --------------------------------------------------------------------------------


def test_modified_z_matches_its_definition() -> None:
    xs = [10.0, 11, 12, 12, 13, 14, 40]
    median = statistics.median(xs)
    mad = statistics.median(abs(x - median) for x in xs)
    assert modified_z(40, xs) == pytest.approx(0.6745 * (40 - median) / mad)


def test_too_few_regions_give_no_score() -> None:
    assert modified_z(1000, [1, 2, 3, 1000]) is None
    assert modified_z(1000, [1, 2, 3, 4, 1000]) is not None


def test_mad_zero_falls_back_to_the_mean_absolute_deviation() -> None:
    """Six of ten regions report the same figure: the MAD is 0, yet the one far away still stands out,
    without a division by zero; when every region is the same, nothing does."""
    xs = [5.0] * 6 + [5.5, 6, 4, 60]
    assert statistics.median(abs(x - 5) for x in xs) == 0
    z = modified_z(60, xs)
    assert z is not None and z > Z_LIMIT
    assert abs(modified_z(5.5, xs) or 0) < Z_LIMIT
    assert modified_z(5, [5.0] * 10) == 0


@example(xs=[0.0, 0.0, 1.0, 1.0, 2.225073858507203e-309], scale=1.0)  # a subnormal spread once gave z = inf
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=MIN_PEERS, max_size=40), st.floats(0.001, 1e3))
def test_modified_z_is_finite_and_scale_free(xs: list[float], scale: float) -> None:
    for x in xs:
        z = modified_z(x, xs)
        assert z is not None and z == z and abs(z) != float("inf")
        scaled = modified_z(x * scale, [v * scale for v in xs])
        assert scaled == pytest.approx(z, rel=1e-6, abs=1e-6)


def test_ten_regions_one_far_away_is_flagged_where_3_sigma_never_could() -> None:
    """With ten regions a 3σ rule's largest |z| is 9/√10 ≈ 2.85: one region at a quarter of the others' score
    never passes it; the modified z-score flags it."""
    xs = [80.0, 81.6, 78.4, 80.8, 79.2, 82.4, 77.6, 80, 80.8, 20]
    mean, sd = statistics.fmean(xs), statistics.pstdev(xs)
    assert abs(20 - mean) / sd < 3
    found = peers(SPEC, regions(10, total_score=xs), {})
    assert flags(found) == {"440009": ["total_score"]}


def test_peers_need_five_regions() -> None:
    assert peers(SPEC, regions(4, total_score=[90.0, 90, 90, 20]), {}) == {}
    assert flags(peers(SPEC, regions(5, total_score=[90.0, 91, 89, 90, 20]), {})) == {"440004": ["total_score"]}


def test_exactly_at_the_z_limit_is_not_flagged() -> None:
    """MAD 10, median 100: x = 100 + 10·3.5/0.6745 gives z = 3.5 exactly (not beyond); a hair more is flagged."""
    at = 100 + 10 * Z_LIMIT / 0.6745
    base = [80.0, 90, 90, 100, 100, 100, 110, 110, 120]
    assert modified_z(at, [*base, at]) == pytest.approx(Z_LIMIT)
    assert "440009" not in peers(SPEC, regions(10, enrollment_rate=[*base, at]), {})
    assert "440009" in peers(SPEC, regions(10, enrollment_rate=[*base, at + 0.5]), {})


def test_figures_that_grow_with_size_are_not_compared_across_regions() -> None:
    """A county ten times its neighbours' size recovers ten times the funds: no outlier. Its funds per
    10,000 insured persons are compared, and are in line."""
    big = regions(
        10,
        recovered_funds=[10.0, 11, 9, 10, 12, 8, 10, 11, 9, 100],
        insured_total=[10000, 11000, 9000, 10000, 12000, 8000, 10000, 11000, 9000, 100000],
    )
    assert peers(SPEC, big, {}) == {}
    odd = {**big, "440009": {"recovered_funds": 1000.0, "insured_total": 100000}}
    assert flags(peers(SPEC, odd, {})) == {"440009": ["recovered_per_10k_insured"]}


def test_a_difference_within_the_band_is_not_flagged_however_large_its_z() -> None:
    """Nine regions score 90.0 and one 88.5: the z-score is huge (the spread is 0), the difference is not."""
    xs = [90.0] * 9 + [88.5]
    assert abs(modified_z(88.5, xs) or 0) > Z_LIMIT
    assert peers(SPEC, regions(10, total_score=xs), {}) == {}


# --- year over year ---------------------------------------------------------------------------------------


def band(fid: str) -> float:
    return next(f.band for f in figures(SPEC) if f.id == fid)  # type: ignore[return-value]


@pytest.mark.parametrize("fid", ["insured_total", "recovered_funds", "designated_total"])
def test_change_exactly_at_the_band_is_not_flagged_beyond_it_is(fid: str) -> None:
    b = band(fid)
    before = {"440222": {fid: 1000.0}}
    at = year_over_year(SPEC, {"440222": {fid: 1000.0 * (1 + b)}}, before, {})
    assert at == {}
    down = year_over_year(SPEC, {"440222": {fid: 1000.0 * (1 - b)}}, before, {})
    assert down == {}
    beyond = year_over_year(SPEC, {"440222": {fid: 1000.0 * (1 + b) + 1}}, before, {})
    assert flags(beyond) == {"440222": [fid]}


def test_each_type_has_a_sensible_default_band() -> None:
    """Every key figure has a band (from its type, or its own `change`), amounts wider than counts."""
    bands = {f.id: f.band for f in figures(SPEC)}
    assert all(b is not None and 0 < b < 1 for b in bands.values()), bands
    assert bands["recovered_funds"] > bands["insured_total"]


def test_change_from_zero_says_nothing() -> None:
    assert year_over_year(SPEC, {"440222": {"recovered_funds": 50.0}}, {"440222": {"recovered_funds": 0.0}}, {}) == {}


def test_year_over_year_message_gives_both_years_and_the_peers_median() -> None:
    now = regions(6, insured_total=[369742, 101000, 103000, 99000, 104000, 102000])
    before = regions(6, insured_total=[228236, 100000, 100000, 100000, 100000, 100000])
    found = year_over_year(SPEC, now, before, {"440000": {"insured_total": ("业务情况", "C8")}})
    (f,) = found["440000"]
    text = localise(f.message, "zh")
    assert (f.sheet, f.cell, f.severity) == ("业务情况", "C8", "warning")
    assert "参保人数合计" in text and "+62.0%" in text and "228,236" in text and "369,742" in text
    assert "其他地区变化中位数 +2.0%" in text
    assert set(found) == {"440000"}


def test_a_ratio_is_compared_not_only_the_raw_amounts() -> None:
    """Funds recovered doubled in step with the insured persons (both within… no: both beyond their own
    bands would be two flags); here the amount moves within its band while the per-person ratio jumps."""
    before = {"440222": {"recovered_funds": 100.0, "insured_total": 200000}}
    now = {"440222": {"recovered_funds": 140.0, "insured_total": 120000}}
    found = flags(year_over_year(SPEC, now, before, {}), "year")
    assert "recovered_per_10k_insured" in found["440222"]
    assert "recovered_funds" not in found["440222"]


def test_restated_figure_must_equal_last_years_total() -> None:
    before = {"440222": {"three_costs_total": 2.73}}
    ok = year_over_year(SPEC, {"440222": {"three_costs_prior": 2.73}}, before, {})
    assert ok == {}
    wrong = year_over_year(SPEC, {"440222": {"three_costs_prior": 2.76}}, before, {})
    (f,) = wrong["440222"]
    assert (f.code, f.detail, f.field, f.expected, f.actual) == ("outlier", "restated", "three_costs_prior", 2.73, 2.76)
    assert "上年三公经费" in localise(f.message, "zh") and "三公经费合计" in localise(f.message, "zh")


# --- --prior on the bundled samples ------------------------------------------------------------------------


def outlier_rows(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)["异常提示"]
    return [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None]


def test_aggregate_with_prior_flags_the_planted_jump_and_nothing_else(tmp_path: Path) -> None:
    """The false-flag rate on the bundled samples: the one planted change is flagged; the other seven
    trusted returns (no planted change) get no flag."""
    summary = aggregate([NOW], prior=BEFORE)
    flagged = {(s.region.code, f.field) for s, f in summary.outliers}  # type: ignore[union-attr]
    assert flagged == {(PLANTED, "insured_total")}
    write_outputs(summary, tmp_path / "s.xlsx")
    (row,) = outlier_rows(tmp_path / "s.xlsx")
    assert row[1:5] == (PLANTED, "仁化县", "与上年比", "参保人数合计")
    assert "上年" in row[5] and "今年" in row[5] and "其他地区变化中位数" in row[5]


def test_outliers_never_change_totals(tmp_path: Path) -> None:
    """With `--prior` the same returns count in the totals and the summary sheet's figures and total formulas
    are the same; only the flagged return's status reads 有提示 and its warnings count one more."""
    plain, flagged = aggregate([NOW]), aggregate([NOW], prior=BEFORE)
    assert [s.path for _, s in plain.in_totals()] == [s.path for _, s in flagged.in_totals()]
    write_outputs(plain, tmp_path / "plain.xlsx")
    write_outputs(flagged, tmp_path / "flagged.xlsx")
    sheets = [openpyxl.load_workbook(tmp_path / n)["汇总"] for n in ("plain.xlsx", "flagged.xlsx")]
    a, b = (list(ws.iter_rows(min_row=4, values_only=True)) for ws in sheets)
    assert any(isinstance(v, str) and v.startswith("=SUM") for r in a for v in r)
    diffs = [(r1[1], x, y) for r1, r2 in zip(a, b, strict=True) for x, y in zip(r1, r2, strict=True) if x != y]
    assert diffs == [(PLANTED, "已报送", "已报送（有提示）"), (PLANTED, 0, 1)]  # its status and its count of warnings


@pytest.mark.parametrize("kind", ["folder", "summary", "export", "one return"])
def test_prior_comes_from_a_folder_a_summary_an_export_or_a_return(kind: str, tmp_path: Path) -> None:
    if kind == "folder":
        prior: Path = BEFORE
    elif kind == "one return":
        prior = next(BEFORE.glob(f"{PLANTED}_*.xlsx"))
    else:
        last = aggregate([BEFORE])
        prior = tmp_path / ("s.xlsx" if kind == "summary" else "s.csv")
        write_outputs(last, tmp_path / "s.xlsx", tmp_path / "s.csv")
    loaded = load_prior(prior, SPEC)
    assert loaded.year == 2022
    assert loaded.values[PLANTED]["insured_total"] == pytest.approx(
        load_prior(next(BEFORE.glob(f"{PLANTED}_*.xlsx")), SPEC).values[PLANTED]["insured_total"]
    )
    summary = aggregate([NOW], prior=prior)
    assert (PLANTED, "insured_total") in {(s.region.code, f.field) for s, f in summary.outliers}  # type: ignore[union-attr]


def test_check_with_prior_on_one_return() -> None:
    now, before = next(NOW.glob(f"{PLANTED}_*.xlsx")), next(BEFORE.glob(f"{PLANTED}_*.xlsx"))
    result = runner.invoke(app, ["check", str(now), "--prior", str(before), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"code": "outlier"' in result.output and '"severity": "warning"' in result.output
    assert '"field": "insured_total"' in result.output and '"cell": "C8"' in result.output


def test_check_with_prior_finds_a_copied_three_costs_paragraph(tmp_path: Path) -> None:
    """始兴's 上年三公经费 (2.76 in the seed) against a 2022 return whose total was 2.73: the seed's copied
    paragraph is exactly this mistake."""
    last = make_return(
        tmp_path,
        {"fill_date": "2023-03-01", "reception_cost": 0.23, "vehicle_cost": 2.50, "overseas_cost": 0},
        name="2022.xlsx",
        year=2022,
    )
    now = make_return(tmp_path, name="2023.xlsx")
    result = runner.invoke(app, ["check", str(now), "--prior", str(last)])
    assert result.exit_code == 0, result.output
    assert "上年三公经费" in result.output and "2.73" in result.output


@pytest.mark.parametrize(
    ("prior", "words"),
    [
        ("missing.xlsx", "找不到上年数据"),
        ("notes.txt", "不是上年的报表"),
        ("same-year", "年度"),
        ("two-years-back", "上一年"),
        ("other-spec", "不是本表样"),
        ("other-spec-folder", "没有可用的上年报表"),
        ("garbage.xlsx", "上年"),
    ],
)
def test_unusable_prior_is_one_line_and_exit_2(prior: str, words: str, tmp_path: Path) -> None:
    now = next(NOW.glob(f"{PLANTED}_*.xlsx"))
    path = tmp_path / prior
    if prior == "notes.txt":
        path.write_text("hello", encoding="utf-8")
    elif prior == "garbage.xlsx":
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    elif prior == "same-year":
        path = NOW
    elif prior == "two-years-back":
        path = make_return(tmp_path, {"fill_date": "2022-03-01"}, name="2021.xlsx", year=2021)
    elif prior == "other-spec":
        path = next((ROOT / "samples" / "project_2021").glob("*.xlsx"))
    elif prior == "other-spec-folder":
        path = ROOT / "samples" / "project_2021"
    for args in (["check", str(now)], ["aggregate", str(NOW), "-o", str(tmp_path / "o.xlsx")]):
        result = runner.invoke(app, [*args, "--prior", str(path)])
        assert result.exit_code == 2, result.output
        assert words in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1 or args[0] == "check", result.output
    assert not (tmp_path / "o.xlsx").exists()


def test_prior_export_from_hostile_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["a", "b"], ["=cmd|' /C calc'!A0", "1"]])
    with pytest.raises(PriorError):
        load_prior(path, SPEC)


def test_readme_shows_what_check_with_prior_prints() -> None:
    now, before = next(NOW.glob(f"{PLANTED}_*.xlsx")), next(BEFORE.glob(f"{PLANTED}_*.xlsx"))
    result = runner.invoke(app, ["check", str(now), "--prior", str(before)])
    (line,) = [x.strip() for x in result.output.splitlines() if "(outlier)" in x]
    assert line in (ROOT / "README.md").read_text(encoding="utf-8")


def test_another_specs_summary_is_not_last_years(tmp_path: Path) -> None:
    summary = aggregate([ROOT / "samples" / "project_2021"])
    write_outputs(summary, tmp_path / "p.xlsx")
    with pytest.raises(PriorError):
        load_prior(tmp_path / "p.xlsx", SPEC)


def test_an_export_of_several_years_gives_the_latest(tmp_path: Path) -> None:
    write_outputs(aggregate([BEFORE]), tmp_path / "s.xlsx", tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    older = text.splitlines()[1:]
    older = [line.replace(",2022,", ",2021,", 1) for line in older]
    (tmp_path / "m.csv").write_text(text + "\n".join(older) + "\n", encoding="utf-8-sig")
    assert load_prior(tmp_path / "m.csv", SPEC).values == load_prior(tmp_path / "s.csv", SPEC).values


def test_check_with_prior_on_a_mixed_inbox_checks_every_file(tmp_path: Path) -> None:
    """A project return in the inbox does not fit last year's yibao folder: it is checked, not compared,
    and said so; the others are compared."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for src in (next(NOW.glob(f"{PLANTED}_*.xlsx")), next((ROOT / "samples" / "project_2021").glob("*.xlsx"))):
        (inbox / src.name).write_bytes(src.read_bytes())
    result = runner.invoke(app, ["check", str(inbox), "--prior", str(BEFORE), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"code": "outlier"' in result.output and "project" in result.output


def test_a_prior_without_the_region_is_said_not_passed_in_silence(tmp_path: Path) -> None:
    now = next(NOW.glob(f"{PLANTED}_*.xlsx"))
    other = next(BEFORE.glob("440222_*.xlsx"))
    result = runner.invoke(app, ["check", str(now), "--prior", str(other)])
    assert result.exit_code == 2 and "没有 440224 的报表" in result.output, result.output
    both = tmp_path / "inbox"
    both.mkdir()
    for src in (now, next(NOW.glob("440222_*.xlsx"))):
        (both / src.name).write_bytes(src.read_bytes())
    result = runner.invoke(app, ["check", str(both), "--prior", str(other)])
    assert result.exit_code == 0 and "未与上年比较" in result.output and "440224" in result.output, result.output


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40), st.data())
def test_median_without_one_is_the_median_of_the_rest(xs: list[float], data: st.DataObject) -> None:
    """The year-over-year message's peers' median, found in the sorted list instead of re-sorted per region."""
    from xltools.check.outliers import _median_without

    v = data.draw(st.sampled_from(xs))
    rest = list(xs)
    rest.remove(v)
    assert _median_without(sorted(xs), v) == statistics.median(rest)
