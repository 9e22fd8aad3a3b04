"""Charts of partial weeks and months: hatched, marked, scaled; counts kept."""

from datetime import date

from vaerested.reports.pages.charts import Partial, bar_chart, line_chart
from vaerested.services.partial_periods import month_of, week_span

START, END = date(2024, 1, 10), date(2024, 1, 21)  # Wed .. Sun of the next week


def _weeks() -> Partial:
    spans = {
        label: week_span(date.fromisoformat(label), START, END)
        for label in ("2024-01-08", "2024-01-15")
    }
    return Partial(spans, "partial week", "%(days)s of %(total)s", "n")


def test_a_partial_week_is_drawn_at_its_weekly_pace():
    # Week of Jan 8: Wed..Sun = 5 days, 50 visits -> drawn at 50 * 7 / 5 = 70;
    # week of Jan 15: whole, 70 visits -> 70. Same height, different counts.
    chart = bar_chart([("2024-01-08", 50), ("2024-01-15", 70)], partial=_weeks())
    first, second = chart.bars
    assert first.height == second.height
    assert (first.shown, second.shown) == (50, 70)
    assert first.css == "bar partial" and second.css == "bar"
    assert (first.note, second.note) == ("partial week", "")
    assert (first.label, first.detail) == ("2024-01-08", "5 of 7")
    assert (second.label, second.detail) == ("2024-01-15", "")
    assert chart.partial_note == "n"


def test_suppressed_partial_weeks_stay_stubs_and_whole_weeks_need_no_note():
    chart = bar_chart([("2024-01-08", "<5"), ("2024-01-15", 10)], partial=_weeks())
    assert chart.bars[0].height == 4.0 and "suppressed" in chart.bars[0].css
    whole = bar_chart([("2024-01-15", 10)], partial=_weeks())
    assert whole.partial_note == "" and whole.bars[0].css == "bar"


def test_a_partial_month_point_is_hollow_not_scaled():
    spans = {m: month_of(m, START, END) for m in ("2024-01",)}
    chart = line_chart(
        [("2024-01", 0.5)],
        partial=Partial(spans, "partial month", "%(days)s/%(total)s", "m"),
    )
    [point] = chart.points
    assert point.css == "point partial" and point.value == 0.5
    assert (point.label, point.detail) == ("2024-01", "12/31")
    assert chart.partial_note == "m"
