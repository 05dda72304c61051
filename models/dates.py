"""Pure date rules of the addon (no ORM): the next occurrence of a customer's key date."""

import calendar
from datetime import date


def _in_year(day, year):
    """``day``'s month and day in ``year``; 29 February falls on 28 February in common years."""
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def next_occurrence(day, yearly, today):
    """The next time ``day`` comes round on or after ``today``; a one-off date is itself, past or not."""
    if not day or not yearly:
        return day
    candidate = _in_year(day, today.year)
    return candidate if candidate >= today else _in_year(day, today.year + 1)
