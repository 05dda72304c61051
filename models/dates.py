"""Pure date rules of the addon (no ORM): the next occurrence of a customer's key date, day boundaries, weeks."""

import calendar
from datetime import date, datetime, timedelta

import pytz


def _in_year(day, year):
    """``day``'s month and day in ``year``; 29 February falls on 28 February in common years."""
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def next_occurrence(day, yearly, today):
    """The next time ``day`` comes round on or after ``today``; a one-off date is itself, past or not."""
    if not day or not yearly:
        return day
    candidate = _in_year(day, today.year)
    return candidate if candidate >= today else _in_year(day, today.year + 1)


def first_moment_after(day, tz):
    """The first UTC moment after ``day`` in the time zone ``tz`` (naive, as Odoo stores datetimes): "on a day
    after ``day``" is "at or after it". The recompute's revenue windows and the trend's months use it."""
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
    return pytz.timezone(tz).localize(midnight).astimezone(pytz.utc).replace(tzinfo=None)


def week_start(day):
    """Monday of the week of ``day``: supervisors review each salesperson's cards once a week
    (每周至少检查每位业务员的客户资料卡一次), and the reviews are kept per week."""
    return day - timedelta(days=day.weekday())
