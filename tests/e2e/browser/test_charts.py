"""In a real browser: the profile page's views-over-time chart and the results page's outliers by
competitor and hook type are drawn from the server's SVG alone, at a readable size, under the
site's Content-Security-Policy (their colours come from the stylesheet, nothing inline), with no
script or console error. Each test saves a screenshot of its chart to test-artifacts/screenshots/.

The data is prepared by running the jobs in the test process (run_jobs); the worker cluster is
not what these tests are about (test_pages_live.py follows jobs live).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from jobs.runner import run_jobs
from profiles.models import Content, Source
from profiles.services import profile_request
from support.planted_accounts import BREAKOUT_GRID_ACCOUNTS, plant
from viral_ideas.models import ViralAnalysisResult
from viral_ideas.services import viral_entry_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "test-artifacts" / "screenshots"

# Caught from the first line of every document, before the page's own resources load.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (event) => window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline')));
"""


@pytest.fixture
def problems(page):
    """The page's uncaught script errors and console errors; a test ends by asserting there were none.

    The browser's own request for /favicon.ico (the site has none) is not the page's error.
    """
    found: dict[str, list[str]] = {"script": [], "console": []}
    page.on("pageerror", lambda error: found["script"].append(str(error)))
    page.on("console", lambda message: found["console"].append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    return found


def assert_clean(page, problems) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert problems == {"script": [], "console": []}


VIEWS = [12000, 3000, 2500, 2000, 1500, 2600, 900, 2200, 1800, 2400, 1700, 2100, 30000, 2300]


def test_the_profile_chart_draws_a_point_per_stored_reel_with_the_outliers_marked(asgi_server, write_account, page,
                                                                                 problems):
    write_account("chart_nadia", VIEWS, followers=4321)
    profile_request(username="chart_nadia", source=Source.FRONTEND)
    assert run_jobs("profile", time_budget_seconds=60) >= 1
    outliers = Content.objects.filter(username="chart_nadia", outlier_score__gte=2).count()

    page.goto(f"{asgi_server}/profiles/chart_nadia/")

    chart = page.get_by_role("img", name="Views of @chart_nadia's reels over time")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.point")).to_have_count(len(VIEWS))
    expect(chart.locator("circle.point-outlier")).to_have_count(outliers)
    assert outliers == 2
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 180, box
    for point in chart.locator("circle.point").all():
        point_box = point.bounding_box()
        assert point_box and point_box["width"] >= 6 and point_box["height"] >= 6, point_box
        assert box["x"] <= point_box["x"] and point_box["x"] + point_box["width"] <= box["x"] + box["width"]
    # The stylesheet's colours reached the drawing: the CSP let the file through.
    outlier_fill = chart.locator("circle.point-outlier").first.evaluate("circle => getComputedStyle(circle).fill")
    assert outlier_fill == "rgb(180, 35, 24)", outlier_fill
    expect(chart.locator("text.median-label")).to_have_text(["median", "2,250 views"])
    expect(chart.locator("circle.point-outlier title").first).to_contain_text("× the median")
    expect(page.get_by_text("Views on a log scale")).to_be_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOTS / "profile_views_chart.png"))
    assert_clean(page, problems)




def test_the_results_chart_draws_a_cell_per_competitor_and_hook_type(asgi_server, write_account, page, problems):
    plant(write_account, BREAKOUT_GRID_ACCOUNTS, hashtag="homecooking")
    entry = viral_entry_create(session_id="web-grid-browser", primary_username="grid_creator",
                               competitors=["grid_alpha", "grid_bravo", "grid_quiet"],
                               content_strategy={"contentType": "Quick recipes", "targetAudience": "Busy parents",
                                                 "goals": "Grow followers"})
    assert run_jobs("viral_ideas", time_budget_seconds=60) == 1
    stored = ViralAnalysisResult.objects.get(queue=entry).analysis_data
    outliers = [reel for account in stored["competitors"] for reel in account["outliers"]]
    types = {reel["hook_type"] for reel in outliers}
    filled = {(reel["reel"]["username"], reel["hook_type"]) for reel in outliers}

    page.goto(f"{asgi_server}/viral-ideas/{entry.session_id}/results")

    grid = page.get_by_role("img", name="Outliers by competitor and hook type")
    expect(grid).to_be_visible()
    expect(grid.locator("rect.cell")).to_have_count(3 * len(types))
    expect(grid.locator("g.grid-cell:not(.heat-0)")).to_have_count(len(filled))
    expect(grid.locator("g.grid-cell.heat-0")).to_have_count(3 * len(types) - len(filled))
    box = grid.bounding_box()
    assert box["width"] > 400 and box["height"] > 120, box
    cell_box = grid.locator("rect.cell").first.bounding_box()
    assert cell_box["width"] > 50 and cell_box["height"] > 25, cell_box
    fullest = grid.locator("g.grid-cell.heat-4 rect.cell").first
    assert fullest.evaluate("rect => getComputedStyle(rect).fill") == "rgb(59, 99, 196)"
    alpha_questions = grid.locator('g.grid-cell[data-account="grid_alpha"][data-count="2"]')
    expect(alpha_questions.locator("text.cell-best")).to_have_text("best 5.0×")
    expect(page.locator("svg.outlier-bars rect.bar")).to_have_count(len(outliers))
    expect(page.locator("#outliers-table [data-typing]")).to_have_count(len(outliers))
    expect(page.locator("#outliers-table [data-typing]").first).to_contain_text("% sure")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    grid.screenshot(path=str(SCREENSHOTS / "results_breakout_grid.png"))
    page.screenshot(path=str(SCREENSHOTS / "results_page.png"), full_page=True)
    assert_clean(page, problems)
