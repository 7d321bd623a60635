"""The site's calendar: stored times are naive UTC, but years and days count locally.

Annual study hours count by the local year (2026-12-31 20:00 UTC is already 2027 in
Beijing), and "today" for due dates is the local day.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from mooc.core.models import utcnow


def site_zone():
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def local_moment(moment: datetime) -> datetime:
    """A stored naive-UTC timestamp as an aware datetime in the site's zone."""
    return moment.replace(tzinfo=timezone.utc).astimezone(site_zone())


def local_year(moment: datetime) -> int:
    """2026-12-31 20:00 UTC is already 2027 in Beijing, so it counts for 2027."""
    return local_moment(moment).year


def local_date(moment: datetime) -> date:
    return local_moment(moment).date()


def current_year() -> int:
    return local_year(utcnow())
