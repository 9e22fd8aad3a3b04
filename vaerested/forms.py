"""A form base class whose built-in WTForms messages follow the UI language.

WTForms ships no Danish catalogue; ours is ``translations/da/LC_MESSAGES/wtforms.po``
(domain ``wtforms``). Every form of the app derives from :class:`BaseForm`.
"""

from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm

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


class BaseForm(FlaskForm):
    """FlaskForm (CSRF on) with Danish WTForms messages when the UI is Danish."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()
