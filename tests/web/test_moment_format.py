"""Timestamps in lists are formatted from a compiled locale pattern: exactly what Babel itself prints."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import format_date, format_datetime, format_time

from webui import create_app
from webui.i18n import PageMoments, ago, when


@pytest.mark.parametrize("language", ["zh", "en"])
def test_when_prints_what_babel_prints_in_every_style(sqlite_engine, language):
    app = create_app(sqlite_engine, {"SECRET_KEY": "test", "TESTING": True})
    moments = [datetime(2026, 12, 31, 15, 59, tzinfo=UTC) + timedelta(minutes=397 * i) for i in range(300)]
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for moment in moments:
            assert when(moment.isoformat(), "short") == format_datetime(moment, "short")
            for style in ("medium", "long", "full"):
                assert when(moment, style) == f"{format_date(moment, style)} {format_time(moment, 'short')}"
        # In the app's time zone (Asia/Shanghai by default): 15:59 UTC is the next day, 23:59.
        assert "23:59" in when(moments[0], "short") or "11:59" in when(moments[0], "short")
        assert when(None) == "" and when("not a time") == ""


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_pages_moments_print_what_when_and_ago_print(sqlite_engine, language):
    """A list's rows share one ``PageMoments``: each distinct timestamp formatted once, the same text as alone."""
    app = create_app(sqlite_engine, {"SECRET_KEY": "test", "TESTING": True})
    now = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    moments = [now - timedelta(minutes=7 ** (i % 9) + i) for i in range(120)] * 2  # each one twice
    with app.test_request_context("/", headers={"Accept-Language": language}):
        page = PageMoments(now)
        for moment in moments:
            text = moment.isoformat().replace("+00:00", "Z")
            assert page.ago(text) == ago(text, now) != ""
            for style in ("short", "medium"):
                assert page.when(moment, style) == when(moment, style)
        assert page.when(now, "short") != page.when(now, "medium")  # the style is part of what is remembered
        assert page.ago("not a time") == ""
        ages = {page.ago(m.isoformat()) for m in moments}
        assert len(ages) > 5  # hours, days, weeks and months ago: not one text for all
