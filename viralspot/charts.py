"""Geometry of the site's server-rendered SVG charts: scales, ticks, and the shapes of each chart.

Views hand plain values in, templates draw what comes out (templates/profiles/_views_chart.html,
templates/viral_ideas/_outlier_chart.html, templates/viral_ideas/_breakout_grid.html). Nothing
here reads the database and no JavaScript draws anything, so every chart is tested as numbers.
Colours and line styles are classes in static/css/site.css: the Content-Security-Policy allows no
inline style, and colour only ever repeats what a label or a <title> already says.

Coordinates are SVG user units of the chart's viewBox, rounded to 0.1; CSS scales the drawing to
the width of its column.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# --- Numbers and scales ---------------------------------------------------------------------------


def compact_number(value: float) -> str:
    """950 → '950', 1234 → '1.2k', 12000 → '12k', 3_400_000 → '3.4M' (axis labels stay short)."""
    value = float(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            scaled = value / size
            text = f"{scaled:.1f}" if abs(scaled) < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest step of 1, 2 or 5 × 10^k that cuts `span` into at most `max_ticks` parts."""
    if span <= 0:
        return 1.0
    raw = span / max(1, max_ticks)
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


def linear_ticks(maximum: float, *, max_ticks: int = 8) -> list[float]:
    """0, step, 2 step, … up to the first multiple of a nice step at or above `maximum`."""
    step = nice_step(maximum, max_ticks)
    top = max(step, math.ceil(maximum / step - 1e-9) * step)
    return [round(index * step, 10) for index in range(int(round(top / step)) + 1)]


@dataclass(frozen=True)
class LinearScale:
    """Maps [low, high] onto [start, end] (either way round: SVG's y grows downwards)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.high - self.low
        fraction = (value - self.low) / span if span else 0.5
        return round(self.start + (self.end - self.start) * fraction, 1)


@dataclass(frozen=True)
class LogScale:
    """Maps [low, high] (both > 0) onto [start, end] by log10, so ×10 is always the same distance."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        low, high = math.log10(self.low), math.log10(self.high)
        fraction = (math.log10(value) - low) / (high - low) if high > low else 0.5
        return round(self.start + (self.end - self.start) * fraction, 1)


# The mantissas of a decade's ticks, sparsest first: the densest set that fits is used.
LOG_TICK_MANTISSAS = ((1,), (1, 3), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))


def log_ticks(low: float, high: float, *, max_ticks: int = 7) -> list[float]:
    """Values for a log axis over [low, high]: powers of ten, filled in with 2 and 5 (or every
    integer mantissa) when the range is short, thinned to every n-th power when it is huge, and
    plain linear steps when even 1…9 × 10^k leave fewer than two ticks (a narrow range)."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    best: list[float] = []
    for mantissas in LOG_TICK_MANTISSAS:
        candidates = [m * 10.0**k for k in range(first, last + 1) for m in mantissas]
        inside = [value for value in candidates if low <= value <= high]
        if len(inside) > max_ticks:
            break
        best = inside
    if not best:  # even the powers of ten alone are too many: keep every n-th
        powers = [10.0**k for k in range(first, last + 1) if low <= 10.0**k <= high]
        every = math.ceil(len(powers) / max_ticks)
        best = powers[::every]
    if len(best) < 2:
        step = nice_step(high - low, max_ticks - 1)
        best = [step * n for n in range(math.ceil(low / step), math.floor(high / step) + 1)]
    return best


# Tick steps of a time axis, finest first: (kind, count). The first that fits is used.
TIME_STEPS = (
    ("day", 1), ("day", 2), ("week", 1), ("week", 2), ("month", 1), ("month", 2), ("month", 3),
    ("month", 6), ("year", 1), ("year", 2), ("year", 5), ("year", 10),
)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def _time_tick_values(start: datetime, end: datetime, kind: str, count: int) -> list[datetime]:
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind in ("day", "week"):
        first = midnight if midnight >= start else midnight + timedelta(days=1)
        if kind == "week":  # weeks start on Monday
            first += timedelta(days=(7 - first.weekday()) % 7)
        step = timedelta(days=count * (7 if kind == "week" else 1))
    elif kind == "month":
        first = midnight.replace(day=1)
        while first < start or (first.month - 1) % count:
            first = _add_months(first, 1)
    else:
        first = midnight.replace(month=1, day=1)
        while first < start or first.year % count:
            first = first.replace(year=first.year + 1)
    values = []
    moment = first
    while moment <= end and len(values) < 400:
        values.append(moment)
        if kind == "month":
            moment = _add_months(moment, count)
        elif kind == "year":
            moment = moment.replace(year=moment.year + count)
        else:
            moment += step
    return values


def _time_label(moment: datetime, kind: str) -> str:
    if kind == "year":
        return str(moment.year)
    if kind == "month":
        return f"{moment:%b} {moment.year}"
    return f"{moment:%b} {moment.day}"


def time_ticks(start: datetime, end: datetime, *, max_ticks: int = 7) -> list[tuple[datetime, str]]:
    """(moment, label) ticks on day, week, month or year boundaries (UTC) inside [start, end]."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    for kind, count in TIME_STEPS:
        values = _time_tick_values(start, end, kind, count)
        if len(values) <= max_ticks:
            return [(value, _time_label(value, kind)) for value in values]
    return []


# --- The profile page: every stored reel's views over time ---------------------------------------


@dataclass(frozen=True)
class ReelPoint:
    """One stored reel, as the views-over-time chart needs it."""

    shortcode: str
    posted_at: datetime | None
    views: int
    multiplier: float  # views ÷ the account's median views, as profiles.metrics.score_reels stored it


VIEWS_CHART_WIDTH = 960
VIEWS_CHART_HEIGHT = 340
VIEWS_MARGIN_LEFT = 56  # the y labels ("1.2M")
VIEWS_MARGIN_RIGHT = 96  # the median's label, beside the plot so no point hides it
VIEWS_MARGIN_TOP = 24  # room for the label of an outlier at the top
VIEWS_MARGIN_BOTTOM = 34  # the x labels
# Points keep clear of the frame: a reel posted on the first or last day is not cut in half.
VIEWS_INSET = 14
# Headroom above the highest and below the lowest reel, as a factor on the log scale.
VIEWS_PADDING_FACTOR = 1.35
POINT_RADIUS = 4
OUTLIER_RADIUS = 6.5
# The strongest outliers get their multiplier written beside them; the others say it on hover.
LABELLED_OUTLIERS = 6


# A multiplier label's box ("12.3×" at 11px), for keeping labels apart.
LABEL_WIDTH_UNITS = 34
LABEL_HEIGHT_UNITS = 13


def _labelled_outliers(drawable: Sequence[ReelPoint], outlier_at: float, x_of, y_of) -> set[str]:
    """The outliers whose multiplier is written beside them: the strongest first, at most
    LABELLED_OUTLIERS, and none whose label would overlap one already placed (hover still tells)."""
    placed: list[tuple[float, float]] = []
    chosen = set()
    for reel in sorted(drawable, key=lambda reel: (-reel.multiplier, reel.shortcode)):
        if reel.multiplier < outlier_at or len(chosen) == LABELLED_OUTLIERS:
            break
        x, y = x_of(reel.posted_at), y_of(reel.views)
        if all(abs(x - other_x) >= LABEL_WIDTH_UNITS or abs(y - other_y) >= LABEL_HEIGHT_UNITS
               for other_x, other_y in placed):
            placed.append((x, y))
            chosen.add(reel.shortcode)
    return chosen


def views_over_time_chart(reels: Sequence[ReelPoint], *, outlier_at: float) -> dict | None:
    """Geometry of a scatter of reels: x = date posted, y = views on a log scale, outliers marked.

    y is logarithmic because one viral reel can have a hundred times the views of the rest: on a
    linear axis it would press every other reel into a flat line at the bottom, while on a log
    axis 2× the median is the same height above the median line whatever the account's size.
    A log axis cannot show 0, and a reel without a date has no x, so those reels are counted in
    `left_out` (the page says so) instead of being drawn somewhere misleading.

    The median line is at the median of the reels' non-zero views, the baseline
    profiles.metrics.score_reels divides by; a reel is an outlier when its stored multiplier is at
    least `outlier_at` (profiles.metrics.OUTLIER_AT). Returns None when no reel can be drawn.
    """
    drawable = sorted(
        (reel for reel in reels if reel.posted_at is not None and reel.views > 0),
        key=lambda reel: (reel.posted_at, reel.shortcode),
    )
    if not drawable:
        return None
    undated = sum(1 for reel in reels if reel.posted_at is None)
    zero_views = sum(1 for reel in reels if reel.posted_at is not None and reel.views <= 0)
    median = statistics.median([reel.views for reel in reels if reel.views > 0])

    plot_left, plot_right = VIEWS_MARGIN_LEFT, VIEWS_CHART_WIDTH - VIEWS_MARGIN_RIGHT
    plot_top, plot_bottom = VIEWS_MARGIN_TOP, VIEWS_CHART_HEIGHT - VIEWS_MARGIN_BOTTOM
    lowest = min(min(reel.views for reel in drawable), median)
    highest = max(max(reel.views for reel in drawable), median)
    y_low, y_high = lowest / VIEWS_PADDING_FACTOR, highest * VIEWS_PADDING_FACTOR
    y_of = LogScale(y_low, y_high, plot_bottom - VIEWS_INSET / 2, plot_top + VIEWS_INSET / 2)

    first, last = drawable[0].posted_at.astimezone(UTC), drawable[-1].posted_at.astimezone(UTC)
    if last - first < timedelta(days=1):  # one reel, or one day's: centre it within two days
        middle = first + (last - first) / 2
        first, last = middle - timedelta(days=1), middle + timedelta(days=1)
    x_scale = LinearScale(first.timestamp(), last.timestamp(), plot_left + VIEWS_INSET, plot_right - VIEWS_INSET)

    def x_of(moment: datetime) -> float:
        return x_scale(moment.timestamp())

    labelled = _labelled_outliers(drawable, outlier_at, x_of, y_of)
    points = []
    for reel in drawable:
        outlier = reel.multiplier >= outlier_at
        x, y = x_of(reel.posted_at), y_of(reel.views)
        points.append({
            "shortcode": reel.shortcode,
            "x": x,
            "y": y,
            "r": OUTLIER_RADIUS if outlier else POINT_RADIUS,
            "outlier": outlier,
            "label": f"{reel.multiplier:.1f}×" if reel.shortcode in labelled else "",
            "label_y": round(y - OUTLIER_RADIUS - 4, 1),
            "title": f"{reel.posted_at.astimezone(UTC):%Y-%m-%d} · {reel.views:,} views · "
                     f"{reel.multiplier:.1f}× the median · {reel.shortcode}" + (" · outlier" if outlier else ""),
        })
    outliers = [point for point in points if point["outlier"]]
    # Outliers are drawn last, so an ordinary reel never covers one.
    points_in_drawing_order = [point for point in points if not point["outlier"]] + outliers

    left_out = []
    if undated:
        left_out.append(f"{undated} reel{'s' if undated != 1 else ''} without a posting date")
    if zero_views:
        left_out.append(f"{zero_views} reel{'s' if zero_views != 1 else ''} with no recorded views")
    return {
        "width": VIEWS_CHART_WIDTH,
        "height": VIEWS_CHART_HEIGHT,
        "plot_left": plot_left,
        "plot_right": plot_right,
        "plot_top": plot_top,
        "plot_bottom": plot_bottom,
        "y_label_x": plot_left - 8,
        "x_label_y": plot_bottom + 20,
        "y_ticks": [{"y": y_of(value), "text_y": round(y_of(value) + 4, 1), "label": compact_number(value)}
                    for value in log_ticks(y_low, y_high) if value >= 1],  # no fractions of a view
        "x_ticks": [{"x": x_of(moment), "label": label}
                    for moment, label in time_ticks(first, last) if plot_left <= x_of(moment) <= plot_right],
        "median": {
            "value": median,
            "y": y_of(median),
            "label": f"median {median:,.0f} views",
            "label_x": plot_right + 6,
            "label_y": round(y_of(median) - 3, 1),
            "value_y": round(y_of(median) + 11, 1),
            "value_label": f"{median:,.0f} views" if median < 100_000 else f"{compact_number(median)} views",
        },
        "points": points_in_drawing_order,
        "point_count": len(points),
        "outlier_count": len(outliers),
        "outlier_at": f"{outlier_at:g}×",
        "first_date": drawable[0].posted_at.astimezone(UTC),
        "last_date": drawable[-1].posted_at.astimezone(UTC),
        "left_out": left_out,
        # The profile's own median counts them; the line, like the multipliers, does not.
        "median_leaves_out_zero_views": any(reel.views <= 0 for reel in reels),
    }


# --- The viral results page: competitors' outliers -------------------------------------------------


@dataclass(frozen=True)
class Breakout:
    """One competitor reel that beat its account's typical views (an outlier of the analysis)."""

    account: str
    shortcode: str
    multiplier: float  # views ÷ the account's typical views
    hook_type: str
    hook: str = ""
    views: int = 0


OUTLIER_CHART_WIDTH = 960
LABEL_WIDTH = 190
VALUE_WIDTH = 64
ROW_HEIGHT = 22
BAR_HEIGHT = 14
GROUP_GAP = 10
AXIS_HEIGHT = 26
# Colours cycle; every group is also named in text, so colour is never the only cue.
ACCOUNT_TONES = 6


def outlier_bar_chart(breakouts: Sequence[Breakout], *, threshold: float) -> dict | None:
    """Bar geometry of the outlier reels, one bar per reel, grouped by account (best account first).

    Bar length is the reel's outlier multiplier on one linear scale from 0, so bars of different
    accounts compare directly (multipliers stay within a few tens, unlike raw views).
    """
    if not breakouts:
        return None
    groups: dict[str, list[Breakout]] = {}
    for breakout in sorted(breakouts, key=lambda item: -item.multiplier):
        groups.setdefault(breakout.account, []).append(breakout)
    ticks = linear_ticks(max([item.multiplier for item in breakouts] + [threshold]))
    x_of = LinearScale(0, ticks[-1], LABEL_WIDTH, OUTLIER_CHART_WIDTH - VALUE_WIDTH)

    rows, headings = [], []
    y = AXIS_HEIGHT
    for tone_index, (account, items) in enumerate(groups.items()):
        headings.append({"y": y + ROW_HEIGHT - 7, "text": f"@{account}",
                         "count": f"{len(items)} outlier{'s' if len(items) != 1 else ''}"})
        y += ROW_HEIGHT
        for item in items:
            rows.append({
                "y": y + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                "text_y": y + ROW_HEIGHT - 7,
                "width": max(1.0, round(x_of(item.multiplier) - LABEL_WIDTH, 1)),
                "value_x": round(x_of(item.multiplier) + 6, 1),
                "tone": tone_index % ACCOUNT_TONES,
                "label": item.shortcode,
                "value": f"{item.multiplier:.1f}×",
                "title": f"@{account} {item.shortcode}: {item.multiplier:.2f}× its account's typical views "
                         f"({item.views:,} views; hook: {item.hook or '—'})",
            })
            y += ROW_HEIGHT
        y += GROUP_GAP
    plot_bottom = y - GROUP_GAP
    return {
        "width": OUTLIER_CHART_WIDTH,
        "height": plot_bottom + 22,
        "label_x": LABEL_WIDTH - 8,
        "plot_left": LABEL_WIDTH,
        "count_x": OUTLIER_CHART_WIDTH - VALUE_WIDTH,
        "grid_top": AXIS_HEIGHT - 4,
        "plot_bottom": plot_bottom,
        "axis_y": AXIS_HEIGHT - 8,
        "threshold_label_y": plot_bottom + 15,
        "bar_height": BAR_HEIGHT,
        "ticks": [{"x": x_of(value), "label": f"{value:g}×"} for value in ticks],
        "threshold_x": x_of(threshold),
        "threshold_label": f"{threshold:g}× threshold",
        "headings": headings,
        "rows": rows,
        "reel_count": len(rows),
        "account_count": len(groups),
    }


GRID_LABEL_WIDTH = 170
GRID_CELL_WIDTH = 104
GRID_CELL_HEIGHT = 46
GRID_HEADER_HEIGHT = 34
GRID_GAP = 3
GRID_TOTAL_WIDTH = 84
# Cells are shaded in this many steps of their count relative to the fullest cell.
HEAT_LEVELS = 4


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def breakout_grid_chart(accounts: Iterable[str], breakouts: Sequence[Breakout], *,
                        type_order: Sequence[str], type_labels: dict[str, str] | None = None) -> dict | None:
    """A grid of competitors × hook types: each cell the number of outliers and the best multiplier.

    Rows are the competitors (the most outliers first; an account with none is still a row, so a
    creator sees who had nothing break out), columns the hook types found among the outliers in
    `type_order` (unknown types after, by name). Each cell is shaded by its count relative to the
    fullest cell. Returns None when there are no outliers.
    """
    if not breakouts:
        return None
    labels = type_labels or {}
    found = {item.hook_type for item in breakouts}
    columns = [name for name in type_order if name in found] + sorted(found - set(type_order))
    by_cell: dict[tuple[str, str], list[Breakout]] = {}
    for item in breakouts:
        by_cell.setdefault((item.account, item.hook_type), []).append(item)
    names = list(dict.fromkeys([*accounts, *(item.account for item in breakouts)]))
    per_account = {name: [item for item in breakouts if item.account == name] for name in names}
    rows_order = sorted(names, key=lambda name: (-len(per_account[name]),
                                                 -max((i.multiplier for i in per_account[name]), default=0), name))
    fullest = max(len(items) for items in by_cell.values())

    def column_x(index: int) -> float:
        return GRID_LABEL_WIDTH + index * (GRID_CELL_WIDTH + GRID_GAP)

    totals_x = column_x(len(columns)) + GRID_GAP
    width = totals_x + GRID_TOTAL_WIDTH
    header = [{"x": round(column_x(index) + GRID_CELL_WIDTH / 2, 1), "label": labels.get(name, name.replace("_", " ")),
               "hook_type": name} for index, name in enumerate(columns)]
    rows, cells = [], []
    for row_index, account in enumerate(rows_order):
        y = GRID_HEADER_HEIGHT + row_index * (GRID_CELL_HEIGHT + GRID_GAP)
        items = per_account[account]
        rows.append({
            "account": account,
            "label": f"@{account}",
            "text_y": round(y + GRID_CELL_HEIGHT / 2 + 4, 1),
            "total": _plural(len(items), "outlier") if items else "none",
        })
        for column_index, hook_type in enumerate(columns):
            members = sorted(by_cell.get((account, hook_type), []), key=lambda item: -item.multiplier)
            count = len(members)
            label = labels.get(hook_type, hook_type.replace("_", " "))
            if members:
                best = members[0]
                title = (f"@{account} · {label}: {_plural(count, 'outlier')}, best {best.multiplier:.1f}× "
                         f"({', '.join(item.shortcode for item in members)})")
            else:
                title = f"@{account} · {label}: no outliers"
            x = column_x(column_index)
            cells.append({
                "account": account,
                "hook_type": hook_type,
                "count": count,
                "best": f"best {members[0].multiplier:.1f}×" if members else "",
                "level": math.ceil(HEAT_LEVELS * count / fullest) if count else 0,
                "x": round(x, 1),
                "y": round(y, 1),
                "centre_x": round(x + GRID_CELL_WIDTH / 2, 1),
                "count_y": round(y + 20, 1),
                "best_y": round(y + 36, 1),
                "empty_y": round(y + GRID_CELL_HEIGHT / 2 + 4, 1),
                "title": title,
            })
    height = GRID_HEADER_HEIGHT + len(rows_order) * (GRID_CELL_HEIGHT + GRID_GAP) + 4
    return {
        "width": round(width, 1),
        "height": height,
        "cell_width": GRID_CELL_WIDTH,
        "cell_height": GRID_CELL_HEIGHT,
        "label_x": GRID_LABEL_WIDTH - 10,
        "header_y": GRID_HEADER_HEIGHT - 12,
        "totals_x": round(totals_x + GRID_TOTAL_WIDTH / 2, 1),
        "columns": header,
        "rows": rows,
        "cells": cells,
        "account_count": len(rows_order),
        "type_count": len(columns),
        "outlier_count": len(breakouts),
    }
