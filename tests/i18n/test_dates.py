"""Dates in the prefecture's time zone, written as Italian and British readers expect."""

from datetime import UTC, date, datetime

import pytest

from tavolo.i18n.dates import format_date, format_datetime

SPRING = datetime(2024, 3, 21, 10, 17, tzinfo=UTC)  # CET, UTC+1
SUMMER = datetime(2024, 7, 4, 16, 5, tzinfo=UTC)  # CEST, UTC+2


def test_italian_long_datetime_in_rome_time():
    assert format_datetime(SPRING, "it") == "giovedì 21 marzo 2024, ore 11:17"


def test_english_long_datetime_reads_naturally():
    assert format_datetime(SPRING, "en") == "Thursday 21 March 2024 at 11:17"


def test_summer_time_is_two_hours_ahead_of_utc():
    assert format_datetime(SUMMER, "it") == "giovedì 4 luglio 2024, ore 18:05"
    assert format_datetime(SUMMER, "en") == "Thursday 4 July 2024 at 18:05"


def test_the_local_date_is_taken_after_the_time_zone_shift():
    # 23:30 UTC on 31 December is already New Year's Day in Rome.
    late = datetime(2023, 12, 31, 23, 30, tzinfo=UTC)
    assert format_datetime(late, "it") == "lunedì 1 gennaio 2024, ore 00:30"
    assert format_date(late, "it") == "1 gennaio 2024"
    assert format_date(late, "en") == "1 January 2024"


def test_naive_datetimes_are_read_as_utc():
    # SQLite gives datetimes back without a time zone; they are stored in UTC.
    naive = datetime(2024, 7, 4, 16, 5)
    assert format_datetime(naive, "it") == format_datetime(SUMMER, "it")
    assert format_date(datetime(2023, 12, 31, 23, 30), "en") == "1 January 2024"


def test_dates_are_day_month_year_in_both_languages():
    assert format_date(date(2024, 3, 21), "it") == "21 marzo 2024"
    assert format_date(date(2024, 3, 21), "en") == "21 March 2024"  # British, not "March 21"


@pytest.mark.parametrize("locale", ["fr", "", None])
def test_an_unknown_language_falls_back_to_italian(locale):
    assert format_datetime(SPRING, locale) == "giovedì 21 marzo 2024, ore 11:17"
    assert format_date(date(2024, 3, 21), locale) == "21 marzo 2024"


def test_no_value_gives_an_empty_string():
    assert format_datetime(None, "it") == ""
    assert format_date(None, "en") == ""
