"""Forms for check-in: issuing and revoking cards, kiosk tokens."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from vaerested.checkin.codes import InvalidCode, normalise_code
from vaerested.forms import BaseForm
from vaerested.labels import (
    AGE_BAND_LABELS,
    FIRST_CAME_LABELS,
    GENDER_LABELS,
    HOUSING_CHOICE_LABELS,
)
from vaerested.models import AgeBand, FirstCame, Gender, Housing

MAX_CARDS = 100

UNKNOWN = _l("Unknown")


def enum_choices(labels: dict) -> list[SelectChoice]:
    """Return select choices: "unknown" (empty value) first, then ``labels``."""
    return [
        SelectChoice("", UNKNOWN),
        *(SelectChoice(member.value, label) for member, label in labels.items()),
    ]


def enum_or_none(enum_cls):
    """Return a coercion to ``enum_cls`` that keeps an empty choice as None."""

    def coerce(value):
        if value in (None, "", "None") or isinstance(value, enum_cls):
            return value or None
        return enum_cls(value)

    return coerce


def optional_int(value):
    """Coerce a select value to int, keeping an empty choice as None."""
    return int(value) if value not in (None, "", "None") else None


class IssueCardsForm(BaseForm):
    """How many cards to print and what the holders chose to tell (all optional)."""

    count = IntegerField(
        _l("Number of cards"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CARDS)],
        description=_l("From 1 to %(max)s cards in one sheet.", max=MAX_CARDS),
    )
    home_district = SelectField(_l("Home district"), coerce=optional_int)
    age_band = SelectField(
        _l("Age"), choices=enum_choices(AGE_BAND_LABELS), coerce=enum_or_none(AgeBand)
    )
    gender = SelectField(
        _l("Gender"), choices=enum_choices(GENDER_LABELS), coerce=enum_or_none(Gender)
    )
    housing = SelectField(
        _l("Housing"),
        choices=enum_choices(HOUSING_CHOICE_LABELS),
        coerce=enum_or_none(Housing),
    )
    first_came = SelectField(
        _l("First came"),
        choices=enum_choices(FIRST_CAME_LABELS),
        coerce=enum_or_none(FirstCame),
    )
    submit = SubmitField(_l("Make cards"))

    def attributes(self) -> dict:
        """Return the card attributes for :func:`issue_cards` (None is unknown)."""
        return {
            "home_district_id": self.home_district.data,
            "age_band": self.age_band.data,
            "gender": self.gender.data,
            "housing": self.housing.data,
            "first_came": self.first_came.data,
        }


class RevokeCardForm(BaseForm):
    """The code of a lost or passed-on card; ``confirm`` is set on the second step."""

    code = StringField(
        _l("Card code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Type the code printed under the QR code, or scan it."),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )
    confirm = HiddenField()
    submit = SubmitField(_l("Find card"))

    def validate_code(self, field) -> None:
        try:
            normalise_code(field.data or "")
        except InvalidCode:
            raise ValidationError(
                _l("This is not a valid card code. Check the letters and digits.")
            ) from None


class KioskForm(BaseForm):
    """A new kiosk token; the label says where the device is."""

    label = StringField(
        _l("Label"),
        validators=[DataRequired(), Length(max=100)],
        description=_l('Where the device stands, e.g. "Tablet by the door".'),
    )
    submit = SubmitField(_l("Create kiosk link"))


class ConfirmForm(BaseForm):
    """An empty form: the CSRF token of a confirmation step."""
