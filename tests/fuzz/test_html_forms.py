"""Hostile values into every HTML form and query parameter: never a 500.

The pages come from the app's URL map (so a new page or form is covered without
editing this test): every GET route is fetched as administration with real ids
of a demo world, its forms and its links are parsed, and then

- every query parameter a page's GET forms or links use, and
- every field of every POST form

gets hostile values (NUL bytes, 40-digit and 2^63 numbers, years 1 and 9999,
formulas, control characters, very long text, and hypothesis-drawn text). The
only assertion is the issue's: no answer is 500 or above. Bounded: a fixed set
plus ``RANDOM_EXAMPLES`` hypothesis examples per database.
"""

import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, create_card, create_user
from vaerested.api.tokens import create_access_token
from vaerested.demo import load_demo
from vaerested.demo_activities import load_demo_activities
from vaerested.models import (
    Activity,
    ActivityRule,
    ActivitySession,
    CourseEnrolment,
    District,
    StaffUser,
    TargetGroup,
)
from vaerested.models.base import utcnow

#: Values that broke something somewhere once (see issue #11).
HOSTILE = [
    "a\x00b",
    "9" * 40,
    "1e23",
    "0001-01-01",
    "9999-12-31",
    "²",
]
#: Drawn from in the random round, besides hypothesis' own text.
MORE_HOSTILE = [
    "\x00",
    str(2**31),
    str(2**63),
    "-" + str(2**31 + 1),
    "=1+2",
    "x" * 5000,
]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_values(default: str) -> list[str]:
    """Return what a POST field gets: a NUL byte, and an out-of-range value of
    its kind (a date field a year-9999 date, a number field a 40-digit one)."""
    if ISO_DATE.match(default or ""):
        return ["a\x00b", "9999-12-31"]
    if (default or "").lstrip("-").isdigit():
        return ["a\x00b", "9" * 40]
    return ["a\x00b", "9" * 40 if not default else "\x1b[31m\r\n"]


RANDOM_EXAMPLES = 40
#: Routes not fuzzed: logging out or switching language would end the run.
SKIP_ENDPOINTS = {"static", "auth.logout", "main.set_language"}
LINK_PARAM = re.compile(r"^[a-z_]+$")


class _Forms(HTMLParser):
    """Collect forms (method, action, fields with defaults) and link queries."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": {},
            }
            self.forms.append(self._form)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if self._form is None or not a.get("name"):
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or a["name"] not in fields:
                    fields[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            fields.setdefault(a["name"], "")
        elif tag == "option" and self._select:
            if "selected" in a or not fields.get(self._select):
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@pytest.fixture
def world(app, db):
    load_demo(db.session)
    load_demo_activities(utcnow(), ZoneInfo("Europe/Copenhagen"), 14)
    activity = db.session.scalar(select(Activity).order_by(Activity.id))
    centre = activity.centre
    card = create_card(centre)
    enrolment = CourseEnrolment(
        activity_id=activity.id,
        card_id=card.id,
        referral_ref="REF-1",
        start_date=date.today(),
    )
    db.session.add(enrolment)
    token, _plain = create_access_token("kiosk", centre=centre, label="door")
    admin = create_user(role="admin", email="fuzz-admin@example.org")
    db.session.commit()
    first = {
        "district_id": db.session.scalar(select(District.id).order_by(District.id)),
        "user_id": db.session.scalar(
            select(StaffUser.id).where(StaffUser.id != admin.id).order_by(StaffUser.id)
        ),
        "group_id": db.session.scalar(select(TargetGroup.id).order_by(TargetGroup.id)),
        "activity_id": activity.id,
        "rule_id": db.session.scalar(
            select(ActivityRule.id).where(ActivityRule.activity_id == activity.id)
        ),
        "session_id": db.session.scalar(
            select(ActivitySession.id).where(ActivitySession.activity_id == activity.id)
        ),
        "enrolment_id": enrolment.id,
        "token_id": token.id,
        "slug": centre.slug,
        "schedule_id": 1,
        "run_id": 1,
        "name": "x.csv",
    }
    return first


def _urls(app, values) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or rule.rule.startswith("/api/"):
            continue
        if "GET" not in rule.methods:
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        urls.append(rule.build(args, append_unknown=False)[1])
    return sorted(set(urls))


def _crawl(client, urls):
    """Return ``(query params per path, POST forms)`` found on the pages."""
    params: dict[str, set[str]] = {}
    posts: list[tuple[str, dict]] = []
    failures = []
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(("GET", url, response.status_code))
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        path = urlsplit(url).path
        for form in parser.forms:
            action = urlsplit(form["action"]).path or path
            if form["method"] == "get":
                params.setdefault(action, set()).update(form["fields"])
            elif action not in ("/auth/logout", "/language"):
                posts.append((action, form["fields"]))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith("/"):
                continue
            names = {k for k, _v in parse_qsl(parts.query) if LINK_PARAM.match(k)}
            if names:
                params.setdefault(parts.path, set()).update(names)
    return params, posts, failures


def _login(client):
    response = client.post(
        "/auth/login",
        data={"email": "fuzz-admin@example.org", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302


def test_hostile_values_never_cause_a_server_error(app, client, db, world):
    _login(client)
    urls = _urls(app, world)
    assert len(urls) > 40  # the URL map, not a hand-written list
    params, posts, failures = _crawl(client, urls)
    assert {"week", "start", "end", "from"} <= set().union(*params.values())
    assert len(posts) > 15

    requests = [0]

    def check(method, url, data=None):
        requests[0] += 1
        response = (
            client.get(url) if method == "GET" else client.post(url, data=data or {})
        )
        if response.status_code >= 500:
            failures.append((method, url, data, response.status_code))
        if response.status_code in (302, 401) and "/auth/login" in response.headers.get(
            "Location", ""
        ):
            _login(client)  # e.g. an own password change: carry on logged in

    # Every query parameter of every page, one at a time, with every value.
    for path, names in sorted(params.items()):
        for name in sorted(names):
            for value in HOSTILE:
                check("GET", f"{path}?{urlencode({name: value})}")
    # Every field of every POST form, one at a time, the others as shown.
    for action, fields in posts:
        for name, default in fields.items():
            for value in field_values(default):
                check("POST", action, {**fields, name: value})

    # Then hypothesis: random text and numbers into random fields and params.
    targets = [("GET", p, sorted(n)) for p, n in sorted(params.items())] + [
        ("POST", a, sorted(f)) for a, f in posts if f
    ]
    values = st.one_of(
        st.sampled_from(HOSTILE + MORE_HOSTILE),
        st.text(max_size=40),
        st.integers().map(str),
        st.dates().map(date.isoformat),
    )

    @settings(
        max_examples=RANDOM_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def random_round(data):
        method, url, names = data.draw(st.sampled_from(targets))
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
        drawn = {name: data.draw(values) for name in chosen}
        if method == "GET":
            check("GET", f"{url}?{urlencode(drawn)}")
        else:
            base = dict(next(f for a, f in posts if a == url))
            check("POST", url, {**base, **drawn})
        db.session.rollback()

    random_round()
    assert failures == []
    assert requests[0] > 400  # it did send them
