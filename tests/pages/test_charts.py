"""The SVG charts: their geometry as numbers (viralspot.charts), and the pages that draw them.

The profile page charts every stored reel's views over time; the viral results page charts the
competitors' outliers by competitor and hook type. Both are server-rendered SVG, so the test
client sees every point and cell in the HTML.
"""

from __future__ import annotations

import re
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.html import escape

from jobs.runner import run_jobs
from profiles.metrics import OUTLIER_AT, score_reels
from profiles.models import Content, Source
from profiles.providers.base import ReelData
from profiles.services import profile_request
from profiles.views import views_chart
from support.planted_accounts import BREAKOUT_GRID_ACCOUNTS, plant
from viral_ideas.analysis import HOOK_TYPE_ORDER
from viral_ideas.models import ViralAnalysisResult
from viral_ideas.services import viral_entry_create
from viralspot.charts import (
    Breakout,
    ReelPoint,
    breakout_grid_chart,
    compact_number,
    linear_ticks,
    log_ticks,
    outlier_bar_chart,
    time_ticks,
    views_over_time_chart,
)

START = datetime(2026, 10, 1, 18, 0, tzinfo=UTC)


def reel(shortcode: str, day: int | None, views: int, multiplier: float = 1.0) -> ReelPoint:
    return ReelPoint(shortcode, None if day is None else START + timedelta(days=day), views, multiplier)


# --- Scales and ticks -----------------------------------------------------------------------------


def test_compact_numbers_keep_axis_labels_short():
    assert [compact_number(n) for n in (0, 950, 1000, 1234, 12_000, 250_000, 3_400_000, 2e9)] == [
        "0", "950", "1k", "1.2k", "12k", "250k", "3.4M", "2B"]


def test_log_ticks_are_powers_of_ten_filled_in_with_two_and_five_when_the_range_is_short():
    assert log_ticks(1, 1_000_000) == [1, 10, 100, 1000, 10_000, 100_000, 1_000_000]
    assert log_ticks(800, 12_000) == [1000, 2000, 5000, 10_000]
    assert log_ticks(150, 900) == [200, 500]


def test_log_ticks_of_a_huge_range_are_thinned_and_a_narrow_range_still_gets_two():
    huge = log_ticks(1, 1e14)
    assert 2 <= len(huge) <= 7 and all(math_is_power_of_ten(value) for value in huge)
    narrow = log_ticks(1000, 1100)
    assert len(narrow) >= 2 and all(1000 <= value <= 1100 for value in narrow)


def math_is_power_of_ten(value: float) -> bool:
    return f"{value:e}".startswith("1.000000e")


def test_linear_ticks_start_at_zero_and_end_at_or_above_the_maximum():
    assert linear_ticks(5.0) == [0, 1, 2, 3, 4, 5]
    assert linear_ticks(13.2) == [0, 2, 4, 6, 8, 10, 12, 14]
    assert linear_ticks(0.5)[-1] >= 0.5


def test_time_ticks_step_by_days_months_or_years_as_the_span_needs():
    days = time_ticks(START, START + timedelta(days=4))
    assert [label for _, label in days] == ["Oct 2", "Oct 3", "Oct 4", "Oct 5"]
    months = time_ticks(START, START + timedelta(days=120))
    assert [label for _, label in months] == ["Nov 2026", "Dec 2026", "Jan 2027"]
    years = time_ticks(START, START + timedelta(days=365 * 4))
    assert [label for _, label in years] == ["2027", "2028", "2029", "2030"]
    assert all(START <= moment <= START + timedelta(days=365 * 4) for moment, _ in years)


# --- The profile chart ----------------------------------------------------------------------------


def test_points_are_placed_left_to_right_in_the_order_they_were_posted():
    reels = [reel("c", 20, 900), reel("a", 0, 1000), reel("d", 30, 5000, 4.5), reel("b", 10, 1100)]

    chart = views_over_time_chart(reels, outlier_at=OUTLIER_AT)

    by_date = sorted(chart["points"], key=lambda point: point["x"])
    assert [point["shortcode"] for point in by_date] == ["a", "b", "c", "d"]
    assert len({point["x"] for point in by_date}) == 4
    assert all(chart["plot_left"] < point["x"] < chart["plot_right"] for point in by_date)


def test_more_views_is_higher_on_the_chart():
    chart = views_over_time_chart([reel("low", 0, 100), reel("mid", 1, 1000), reel("top", 2, 10_000)],
                                  outlier_at=OUTLIER_AT)

    y = {point["shortcode"]: point["y"] for point in chart["points"]}
    assert y["top"] < y["mid"] < y["low"]  # SVG's y grows downwards
    # A log scale: ×10 is the same distance each time.
    assert abs((y["low"] - y["mid"]) - (y["mid"] - y["top"])) <= 0.2


def test_outliers_are_the_reels_score_reels_puts_at_two_times_the_median_or_more():
    views = [1000, 1200, 900, 2400, 800, 9000, 1100, 2300]  # median of the non-zero views: 1150
    fetched = [ReelData(content_id=str(n), shortcode=f"r{n}", url="", caption="", hashtags=(),
                        posted_at=START + timedelta(days=n), like_count=0, comment_count=0, view_count=count,
                        video_duration=None, is_pinned=False) for n, count in enumerate(views)]
    scored = score_reels(fetched, followers=1000)

    chart = views_over_time_chart(
        [ReelPoint(s.reel.shortcode, s.reel.posted_at, s.reel.view_count, s.outlier_score) for s in scored],
        outlier_at=OUTLIER_AT)

    flagged = {point["shortcode"] for point in chart["points"] if point["outlier"]}
    assert flagged == {s.reel.shortcode for s in scored if s.outlier_score >= 2} == {"r3", "r5", "r7"}
    assert chart["outlier_count"] == 3
    outlier = next(point for point in chart["points"] if point["shortcode"] == "r5")
    ordinary = next(point for point in chart["points"] if point["shortcode"] == "r0")
    assert outlier["r"] > ordinary["r"]
    assert outlier["label"] == "7.8×"  # 9000 ÷ 1150
    assert outlier["title"] == f"{START + timedelta(days=5):%Y-%m-%d} · 9,000 views · 7.8× the median · r5 · outlier"
    # Outliers are drawn last, on top of the ordinary reels.
    assert [point["outlier"] for point in chart["points"]] == [False] * 5 + [True] * 3  # 2400, 9000 and 2300 (2.0×)


def test_outlier_labels_go_to_the_strongest_and_never_overlap():
    reels = [reel(f"o{n}", n, 10_000 + 100 * n, 10 + n) for n in range(10)]  # ten outliers, a day apart
    reels += [reel(f"r{n}", 10 + n, 1000) for n in range(40)]

    chart = views_over_time_chart(reels, outlier_at=OUTLIER_AT)

    labels = [point for point in chart["points"] if point["label"]]
    assert 1 < len(labels) <= 6
    assert labels[-1]["shortcode"] == "o9" and labels[-1]["label"] == "19.0×"  # the strongest always
    for index, first in enumerate(labels):
        for second in labels[index + 1:]:
            assert abs(first["x"] - second["x"]) >= 34 or abs(first["y"] - second["y"]) >= 13


def test_the_median_line_is_at_the_median_of_the_non_zero_views():
    reels = [reel("a", 0, 500), reel("b", 1, 0), reel("c", 2, 2000), reel("d", 3, 800), reel("e", 4, 40_000, 50)]

    chart = views_over_time_chart(reels, outlier_at=OUTLIER_AT)

    assert chart["median"]["value"] == statistics.median([500, 2000, 800, 40_000]) == 1400
    assert chart["median"]["label"] == "median 1,400 views"
    assert chart["median_leaves_out_zero_views"]
    y = {point["shortcode"]: point["y"] for point in chart["points"]}
    assert y["c"] < chart["median"]["y"] < y["d"]


def test_one_giant_outlier_does_not_press_the_other_reels_flat():
    reels = [reel(f"r{n}", n, views) for n, views in enumerate([1000, 1300, 1600, 2000])]
    reels.append(reel("viral", 5, 500_000, 300))

    chart = views_over_time_chart(reels, outlier_at=OUTLIER_AT)

    y = {point["shortcode"]: point["y"] for point in chart["points"]}
    plot_height = chart["plot_bottom"] - chart["plot_top"]
    # On a linear axis 1,000 → 2,000 views would be 0.2 % of the height; on the log axis it is about a tenth.
    assert y["r0"] - y["r3"] > plot_height / 15
    assert chart["plot_top"] <= y["viral"] < y["r3"]


def test_the_y_ticks_are_labelled_views_inside_the_plot():
    chart = views_over_time_chart([reel("a", 0, 1000), reel("b", 9, 50_000, 50)], outlier_at=OUTLIER_AT)

    assert [tick["label"] for tick in chart["y_ticks"]] == ["1k", "2k", "5k", "10k", "20k", "50k"]
    assert all(chart["plot_top"] <= tick["y"] <= chart["plot_bottom"] for tick in chart["y_ticks"])
    assert [tick["label"] for tick in chart["x_ticks"]] == ["Oct 2", "Oct 4", "Oct 6", "Oct 8", "Oct 10"]


def test_a_few_views_get_whole_numbers_on_the_axis():
    chart = views_over_time_chart([reel("a", 0, 1), reel("b", 1, 2), reel("c", 2, 3)], outlier_at=OUTLIER_AT)

    assert [tick["label"] for tick in chart["y_ticks"]] == ["1", "2", "3", "4"]


def test_no_reels_or_only_undated_and_unviewed_ones_make_no_chart():
    assert views_over_time_chart([], outlier_at=OUTLIER_AT) is None
    assert views_over_time_chart([reel("a", None, 500), reel("b", 3, 0)], outlier_at=OUTLIER_AT) is None


def test_reels_without_a_date_or_views_are_left_out_and_counted():
    reels = [reel("a", 0, 1000), reel("b", None, 3000), reel("c", 2, 0), reel("d", 3, 0), reel("e", 4, 1200)]

    chart = views_over_time_chart(reels, outlier_at=OUTLIER_AT)

    assert [point["shortcode"] for point in chart["points"]] == ["a", "e"]
    assert chart["left_out"] == ["1 reel without a posting date", "2 reels with no recorded views"]
    # The undated reel's views still count towards the account's median.
    assert chart["median"]["value"] == 1200


def test_one_reel_sits_in_the_middle_on_its_median_line():
    chart = views_over_time_chart([reel("only", 0, 4321)], outlier_at=OUTLIER_AT)

    (point,) = chart["points"]
    assert point["x"] == round((chart["plot_left"] + chart["plot_right"]) / 2, 1)
    assert point["y"] == chart["median"]["y"]
    assert chart["point_count"] == 1 and chart["outlier_count"] == 0 and chart["left_out"] == []
    assert len(chart["y_ticks"]) >= 2 and chart["x_ticks"]


def test_two_reels_on_the_same_day_and_two_days_apart_both_draw():
    same_day = views_over_time_chart([reel("a", 0, 100), reel("b", 0, 100)], outlier_at=OUTLIER_AT)
    assert same_day["point_count"] == 2 and same_day["median"]["value"] == 100
    apart = views_over_time_chart([reel("a", 0, 100), reel("b", 2, 300, 2.0)], outlier_at=OUTLIER_AT)
    assert [point["outlier"] for point in apart["points"]] == [False, True]
    assert apart["points"][0]["y"] > apart["median"]["y"] > apart["points"][1]["y"]


# --- The results charts ---------------------------------------------------------------------------

BREAKOUTS = [
    Breakout("alpha", "a1", 5.0, "question"),
    Breakout("alpha", "a2", 4.0, "question"),
    Breakout("bravo", "b1", 4.5, "how_to"),
    Breakout("bravo", "b2", 3.0, "number_list"),
    Breakout("bravo", "b3", 2.1, "custom_type"),
]


def test_the_grid_has_a_row_per_competitor_and_a_column_per_hook_type_found():
    grid = breakout_grid_chart(["quiet", "bravo", "alpha"], BREAKOUTS, type_order=HOOK_TYPE_ORDER)

    # Most outliers first; an account with none is still a row.
    assert [row["account"] for row in grid["rows"]] == ["bravo", "alpha", "quiet"]
    assert [row["total"] for row in grid["rows"]] == ["3 outliers", "2 outliers", "none"]
    # Taxonomy order, then unknown types by name.
    assert [column["hook_type"] for column in grid["columns"]] == ["question", "number_list", "how_to", "custom_type"]
    assert [column["label"] for column in grid["columns"]][-1] == "custom type"
    assert len(grid["cells"]) == 3 * 4


def test_each_cell_counts_the_competitors_outliers_of_its_type_with_the_best_multiplier():
    grid = breakout_grid_chart(["alpha", "bravo"], BREAKOUTS, type_order=HOOK_TYPE_ORDER)

    cells = {(cell["account"], cell["hook_type"]): cell for cell in grid["cells"]}
    assert cells["alpha", "question"]["count"] == 2 and cells["alpha", "question"]["best"] == "best 5.0×"
    assert cells["alpha", "question"]["title"] == "@alpha · question: 2 outliers, best 5.0× (a1, a2)"
    assert cells["alpha", "how_to"]["count"] == 0
    assert cells["alpha", "how_to"]["title"] == "@alpha · how to: no outliers"
    assert sum(cell["count"] for cell in grid["cells"]) == len(BREAKOUTS)
    # Shaded by count against the fullest cell.
    assert cells["alpha", "question"]["level"] == 4 and cells["bravo", "how_to"]["level"] == 2
    assert cells["alpha", "how_to"]["level"] == 0


def test_cells_do_not_overlap_and_fit_the_drawing():
    grid = breakout_grid_chart(["alpha", "bravo"], BREAKOUTS, type_order=HOOK_TYPE_ORDER)

    corners = {(cell["x"], cell["y"]) for cell in grid["cells"]}
    assert len(corners) == len(grid["cells"])
    assert all(cell["x"] + grid["cell_width"] <= grid["width"] and cell["y"] + grid["cell_height"] <= grid["height"]
               for cell in grid["cells"])


def test_no_outliers_make_no_results_charts():
    assert breakout_grid_chart(["alpha"], [], type_order=HOOK_TYPE_ORDER) is None
    assert outlier_bar_chart([], threshold=2.0) is None


def test_outlier_bars_are_as_long_as_their_multipliers_on_one_scale():
    chart = outlier_bar_chart(BREAKOUTS, threshold=2.0)

    widths = {row["label"]: row["width"] for row in chart["rows"]}
    assert widths["a1"] == pytest.approx(widths["b2"] * 5.0 / 3.0, abs=0.2)
    assert [heading["text"] for heading in chart["headings"]] == ["@alpha", "@bravo"]
    assert [tick["label"] for tick in chart["ticks"]] == ["0×", "1×", "2×", "3×", "4×", "5×"]
    assert chart["threshold_x"] == chart["ticks"][2]["x"]


# --- The pages ------------------------------------------------------------------------------------

def svg_of(page: str, css_class: str) -> str:
    start = page.index(f'<svg class="chart {css_class}"')
    return page[start:page.index("</svg>", start)]


def fetched_profile(write_account, username: str, views: list[int]) -> None:
    write_account(username, views, followers=5000)
    profile_request(username=username, source=Source.FRONTEND)
    assert run_jobs("profile", time_budget_seconds=60) >= 1


@pytest.mark.django_db
def test_the_profile_page_charts_every_stored_reel_with_its_outliers_and_median(client, write_account):
    fetched_profile(write_account, "chart_mara", [12000, 3000, 2500, 2000, 1500, 2600, 900, 2200,
                                                  1800, 2400, 1700, 2100, 30000, 2300])

    response = client.get("/profiles/chart_mara/")
    page = response.content.decode()

    svg = svg_of(page, "views-chart")
    assert 'role="img"' in svg and "<title id=\"views-chart-title\">Views of @chart_mara" in svg and "<desc" in svg
    # Every stored reel, not only the twelve of the table.
    stored = Content.objects.filter(username="chart_mara")
    assert svg.count('<circle class="point') == 14 == stored.count()
    outliers = set(stored.filter(outlier_score__gte=2).values_list("shortcode", flat=True))
    assert svg.count('class="point point-outlier"') == len(outliers) == 2
    for shortcode in outliers:
        assert re.search(rf'class="point point-outlier"[^>]*data-shortcode="{shortcode}"', svg)
    assert "median 2,250 views" in svg  # the median of the fourteen
    assert "2026-10-31 · 12,000 views · 5.3× the median · " in svg  # 12000 ÷ 2250
    assert svg.count('class="gridline"') >= 2
    assert "style=" not in svg


@pytest.mark.django_db
def test_the_chart_reads_the_stored_reels_in_one_query(write_account, django_assert_num_queries):
    fetched_profile(write_account, "chart_count", [5000, 1000, 1200, 900])

    with django_assert_num_queries(1):
        chart = views_chart("chart_count")

    assert chart["point_count"] == 4 and chart["capped_at"] is None


@pytest.mark.django_db
def test_the_profile_partial_draws_the_chart_too(client, write_account):
    fetched_profile(write_account, "chart_partial", [5000, 1000, 1200])

    partial = client.get("/profiles/chart_partial/?partial=1").content.decode()

    assert svg_of(partial, "views-chart").count('<circle class="point') == 3


@pytest.mark.django_db
def test_reels_without_a_date_or_views_are_named_below_the_chart(client, write_account):
    fetched_profile(write_account, "chart_gaps", [5000, 1000, 1200, 1100])
    stored = Content.objects.filter(username="chart_gaps").order_by("date_posted")
    codes = list(stored.values_list("shortcode", flat=True))
    Content.objects.filter(shortcode=codes[0]).update(date_posted=None)
    Content.objects.filter(shortcode=codes[1]).update(view_count=0)

    page = client.get("/profiles/chart_gaps/").content.decode()

    assert svg_of(page, "views-chart").count('<circle class="point') == 2
    assert "Not drawn: 1 reel without a posting date and 1 reel with no recorded views." in page


@pytest.mark.django_db
@pytest.mark.parametrize("views", [[], [0, 0], [777], [700, 2100]])
def test_a_profile_with_no_one_or_two_reels_still_renders(client, write_account, views):
    fetched_profile(write_account, "chart_small", views)

    response = client.get("/profiles/chart_small/")
    page = response.content.decode()

    assert response.status_code == 200 and "Views over time" in page
    drawn = [count for count in views if count > 0]
    if drawn:
        assert svg_of(page, "views-chart").count('<circle class="point') == len(drawn)
    else:
        assert '<svg class="chart views-chart"' not in page
        assert "No reel with a posting date and recorded views to chart yet." in page




@pytest.fixture
def analysed(write_account, db):
    plant(write_account, BREAKOUT_GRID_ACCOUNTS, hashtag="homecooking")
    entry = viral_entry_create(session_id="web-grid", primary_username="grid_creator",
                               competitors=["grid_alpha", "grid_bravo", "grid_quiet"],
                               content_strategy={"contentType": "Quick recipes", "targetAudience": "Busy parents",
                                                 "goals": "Grow followers"})
    assert run_jobs("viral_ideas", time_budget_seconds=60) == 1
    entry.refresh_from_db()
    assert entry.status == "completed", entry.error_message
    return entry


def cell_counts(svg: str) -> dict[tuple[str, str], int]:
    return {(account, hook_type): int(count) for account, hook_type, count in re.findall(
        r'<g class="grid-cell heat-\d" data-account="([^"]+)" data-hook-type="([^"]+)" data-count="(\d+)"', svg)}


def test_the_results_grid_counts_match_the_stored_analysis(client, analysed):
    response = client.get(f"/viral-ideas/{analysed.session_id}/results")
    page = response.content.decode()

    svg = svg_of(page, "breakout-grid")
    assert 'role="img"' in svg and "Outliers by competitor and hook type" in svg and "<desc" in svg
    stored = ViralAnalysisResult.objects.get(queue=analysed).analysis_data
    expected = {}
    for account in stored["competitors"]:
        for outlier in account["outliers"]:
            key = (account["username"], outlier["hook_type"])
            expected[key] = expected.get(key, 0) + 1
    types = {hook_type for _, hook_type in expected}
    counts = cell_counts(svg)
    assert len(counts) == 3 * len(types) == svg.count('<rect class="cell"')
    assert {key: count for key, count in counts.items() if count} == expected
    assert sum(counts.values()) == 4
    assert all(count == 0 for (account, _), count in counts.items() if account == "grid_quiet")
    assert "best 5.0×" in svg and "style=" not in svg


def test_the_results_page_says_how_each_hook_was_typed(client, analysed):
    page = client.get(f"/viral-ideas/{analysed.session_id}/results").content.decode()

    table = page[page.index('<table id="outliers-table">'):]
    table = table[:table.index("</table>")]
    stored = ViralAnalysisResult.objects.get(queue=analysed).analysis_data
    outliers = [reel for account in stored["competitors"] for reel in account["outliers"]]
    assert table.count("data-typing") == len(outliers) == 4
    for reel in outliers:
        assert f"{round(reel['hook_confidence'] * 100)} % sure" in table
        if reel["hook_cue"]:
            assert f"cue “{escape(reel['hook_cue'])}”" in table
    assert '<span class="tag source-offline">offline</span>' in table
    hooks = page[page.index('id="hooks-heading"'):page.index('id="patterns-heading"')]
    assert hooks.count("data-typing") == 4


def test_a_hook_the_model_typed_says_so(client, analysed):
    result = ViralAnalysisResult.objects.get(queue=analysed)
    data = result.analysis_data
    first = data["competitors"][0]["outliers"][0]
    first.update(hook_source="model", hook_confidence=0.92, hook_cue="why does")
    result.save(update_fields=["analysis_data"])

    page = client.get(f"/viral-ideas/{analysed.session_id}/results").content.decode()

    assert "92 % sure · cue “why does” · <span class=\"tag source-model\">model</span>" in page


def test_results_stored_before_hooks_carried_their_typing_show_the_type_alone(client, analysed):
    result = ViralAnalysisResult.objects.get(queue=analysed)
    data = result.analysis_data
    for account in data["competitors"]:
        for reel in account["outliers"]:
            for key in ("hook_confidence", "hook_cue", "hook_source"):
                reel.pop(key)
    result.save(update_fields=["analysis_data"])

    response = client.get(f"/viral-ideas/{analysed.session_id}/results")
    page = response.content.decode()

    assert response.status_code == 200
    assert "data-typing" not in page and "% sure" not in page
    assert svg_of(page, "breakout-grid").count('<rect class="cell"') >= 3


def test_each_idea_cites_its_source_reels_linked_with_their_multiplier_and_lists_its_beats(client, analysed):
    response = client.get(f"/viral-ideas/{analysed.session_id}/results")
    page = response.content.decode()

    ideas = response.context["ideas"]
    assert ideas
    articles = re.findall(r'<article class="idea".*?</article>', page, flags=re.DOTALL)
    assert len(articles) == len(ideas)
    for idea, article in zip(ideas, articles):
        assert idea["sources"]
        for source in idea["sources"]:
            link = f'<a href="{source["url"]}" rel="noopener noreferrer">@{source["username"]} {source["shortcode"]}</a>'
            assert link in article
            assert f'<span class="multiplier">{source["outlier_multiplier"]:.1f}×</span>' in article
        beats = re.search(r'<ol class="beats">(.*?)</ol>', article, flags=re.DOTALL)
        assert beats and beats.group(1).count("<li>") == len(idea["script"]["body"]) >= 1


def test_each_pattern_says_why_it_held_and_who_explained_it(client, analysed):
    stored = ViralAnalysisResult.objects.get(queue=analysed).analysis_data
    assert stored["patterns"], "the planted accounts share patterns"

    page = client.get(f"/viral-ideas/{analysed.session_id}/results").content.decode()

    patterns = page[page.index('id="patterns-heading"'):]
    for pattern in stored["patterns"][:10]:
        assert pattern["source"] == "offline" and pattern["explanation"]
        assert escape(pattern["explanation"]) in patterns
    assert patterns.count('<span class="tag source-offline">offline</span>') >= len(stored["patterns"][:10])
