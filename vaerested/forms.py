"""A form base class whose built-in WTForms messages follow the UI language.

WTForms ships no Danish catalogue; ours is ``translations/da/LC_MESSAGES/wtforms.po``
(domain ``wtforms``). Every form of the app derives from :class:`BaseForm`, every
sub-form from :class:`BaseSubForm` (``tests/test_forms_base.py`` checks it).
"""

import unicodedata
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


_cache: dict[str, NullTranslations] = {}


def wtforms_translations() -> NullTranslations:
    """Return the WTForms message translations for the current locale."""
    locale = str(get_locale() or "da")
    if locale not in _cache:
        loaded = Translations.load(str(TRANSLATIONS_DIR), [locale], domain="wtforms")
        # No catalogue (English) loads as NullTranslations: the msgids are English.
        _cache[locale] = loaded
    return _cache[locale]


class _TextChecks:
    """Every text field (not passwords) refuses NUL bytes and control characters.

    PostgreSQL cannot store NUL, and a name with a line break or an escape code
    breaks exports and pages. A mixin, so forms and sub-forms share it.
    """

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(v) for name, v in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, _TEXT_FIELDS) and not isinstance(field, PasswordField):
                extra.setdefault(name, []).append(NoControlCharacters())
        return super().validate(extra_validators=extra)


class BaseForm(_TextChecks, FlaskForm):
    """FlaskForm (CSRF on) with Danish WTForms messages when the UI is Danish,
    and text fields that refuse control characters (:class:`_TextChecks`)."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()


class BaseSubForm(_TextChecks, Form):
    """A sub-form for ``FormField``/``FieldList`` (no CSRF of its own, the
    enclosing :class:`BaseForm` carries it), with the same messages and checks."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()


#: Field types whose text is checked for control characters.
_TEXT_FIELDS = (StringField,)
#: Control characters a multi-line text may contain.
_TEXTAREA_ALLOWED = frozenset("\t\n\r")


def has_control_characters(text: str, allowed: frozenset = frozenset()) -> bool:
    """Return whether ``text`` holds a NUL byte or another control character."""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text or "")


class NoControlCharacters:
    """Refuse NUL bytes and control characters (line breaks only in text areas)."""

    def __call__(self, form, field) -> None:
        allowed = _TEXTAREA_ALLOWED if isinstance(field, TextAreaField) else frozenset()
        if isinstance(field.data, str) and has_control_characters(field.data, allowed):
            raise ValidationError(_l("Remove the control characters from the text."))
