"""The Danish catalogue is complete: every UI string in the source has a translation."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_msgids() -> set[str]:
    method_map = [
        ("vaerested/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _danish():
    with open(ROOT / "translations/da/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh, locale="da")


def test_every_source_string_has_a_danish_translation():
    catalogue = _danish()
    translated = {}
    for msg in catalogue:
        if not msg.id or msg.fuzzy:
            continue
        key = msg.id[0] if isinstance(msg.id, tuple) else msg.id
        value = msg.string[0] if isinstance(msg.string, tuple) else msg.string
        if value:
            translated[key] = value
    missing = sorted(_source_msgids() - set(translated))
    assert missing == [], "run `make extract-messages` and translate: " + repr(missing)


def test_placeholders_match():
    for msg in _danish():
        if not msg.id or not msg.string:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if s:
                assert set(PLACEHOLDER.findall(s)) == expected, (msg.id, s)


def test_wtforms_messages_are_danish(app):
    from wtforms import IntegerField
    from wtforms.validators import InputRequired

    from vaerested.forms import BaseForm

    class Sample(BaseForm):
        number = IntegerField(validators=[InputRequired()])

    with app.test_request_context("/", method="POST", data={"number": "x"}):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        assert form.number.errors == ["Ikke et gyldigt heltal."]
    with app.test_request_context("/", method="POST", data={"number": ""}):
        from flask import session
        from flask_babel import refresh

        session["lang"] = "en"
        refresh()  # the locale is cached per app context, shared in this test
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        assert form.number.errors == ["This field is required."]
