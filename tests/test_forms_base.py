"""Every form class of the package is on the project's base form.

The base form carries CSRF, the Danish WTForms messages and the control-character
checks; a form on plain ``FlaskForm`` or ``wtforms.Form`` answers in English and
lets a NUL byte through to the database.
"""

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from wtforms import Form, StringField
from wtforms.form import BaseForm as WTFormsBase

import vaerested
from vaerested.forms import BaseForm, BaseSubForm


def _package_form_classes() -> list[type]:
    """Import every module of the package; return the form classes it defines."""
    for info in pkgutil.walk_packages(vaerested.__path__, "vaerested."):
        importlib.import_module(info.name)
    found, todo = [], [WTFormsBase]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("vaerested."):
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


def _off_base(classes: list[type]) -> list[str]:
    return [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in classes
        if cls not in (BaseForm, BaseSubForm)
        and not issubclass(cls, BaseForm | BaseSubForm)
    ]


def test_the_package_has_forms_and_every_one_is_on_the_base_form():
    classes = _package_form_classes()
    # The walk finds the package's forms (a broken walk would pass vacuously).
    names = {cls.__qualname__ for cls in classes}
    assert {"LoginForm", "IntervalForm", "CentreEditForm"} <= names, names
    assert len(classes) >= 30
    assert _off_base(classes) == []


def test_the_check_catches_a_form_off_the_base_form():
    class PlainForm(FlaskForm):
        name = StringField()

    class PlainSubForm(Form):
        name = StringField()

    PlainForm.__module__ = PlainSubForm.__module__ = "vaerested.somewhere"
    off = _off_base([PlainForm, PlainSubForm, BaseForm])
    assert len(off) == 2


@pytest.mark.parametrize(
    "lang, message",
    [("da", "Feltet skal udfyldes."), ("en", "This field is required.")],
)
def test_a_sub_form_speaks_the_ui_language_and_refuses_control_characters(
    app, lang, message
):
    from flask import session
    from flask_babel import refresh
    from wtforms.validators import InputRequired

    class Row(BaseSubForm):
        name = StringField(validators=[InputRequired()])

    with app.test_request_context("/", method="POST", data={"name": ""}):
        session["lang"] = lang
        refresh()
        form = Row(formdata=None, data={"name": ""})
        assert not form.validate()
        assert form.name.errors == [message]
        form = Row(formdata=None, data={"name": "a\x00b"})
        assert not form.validate()
        assert len(form.name.errors) == 1
