"""Forms for centres: the admin's full form, the leader's profile, opening hours."""

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from vaerested.extensions import db
from vaerested.forms import BaseForm, BaseSubForm
from vaerested.i18n import WEEKDAYS
from vaerested.models import Centre, OperatorType, Visitation
from vaerested.parsing import BoundedIntegerField
from vaerested.services.opening_hours import overlapping_pairs

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIME_RE = re.compile(r"^(\d{1,2})[:.](\d{2})$")
#: Rows accepted in one opening-hours form (the overlap check is quadratic).
MAX_HOUR_ROWS = 100

OPERATOR_LABELS = {
    OperatorType.MUNICIPAL: _l("Municipal"),
    OperatorType.SELF_GOVERNING: _l("Self-governing"),
    OperatorType.VOLUNTARY: _l("Voluntary organisation"),
}
VISITATION_LABELS = {
    Visitation.UNREFERRED: _l("Open, no referral"),
    Visitation.REFERRED: _l("Referral needed"),
}


def choice_list(pairs) -> list[SelectChoice]:
    """Return ``(value, label)`` pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


PHASE_CHOICES = choice_list((n, str(n)) for n in range(1, 5))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (the ``field`` macro knows it)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def optional_int(value):
    """Coerce a select value to int, keeping an empty choice as None."""
    return int(value) if value not in (None, "", "None") else None


class CentreProfileForm(BaseForm):
    """The offer profile, which a centre's leader keeps up to date."""

    address = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=200)],
        description=_l("Street address shown to staff and on maps."),
    )
    is_cat1 = BooleanField(_l("Category 1: inclusion of the most vulnerable"))
    is_cat2 = BooleanField(_l("Category 2: development for the more resourceful"))
    is_cat3 = BooleanField(_l("Category 3: employment courses (job centre)"))
    life_phase_min = SelectField(
        _l("Lowest life phase served"),
        choices=PHASE_CHOICES,
        coerce=int,
        default=1,
        description=_l("1 = no wish to handle the problem … 4 = high self-control."),
    )
    life_phase_max = SelectField(
        _l("Highest life phase served"), choices=PHASE_CHOICES, coerce=int, default=4
    )
    target_groups = MultiCheckboxField(
        _l("Target groups"),
        coerce=int,
        description=_l("Groups the centre reaches out to in particular."),
    )
    typical_daily_users = BoundedIntegerField(
        _l("Typical users per day"),
        validators=[Optional(), NumberRange(min=0, max=10000)],
        description=_l("About 20 for a small centre, 50 for a large one."),
    )
    submit = SubmitField(_l("Save"))

    def validate_life_phase_max(self, field):
        if (
            isinstance(self.life_phase_min.data, int)
            and isinstance(field.data, int)
            and field.data < self.life_phase_min.data
        ):
            raise ValidationError(_l("Must not be lower than the lowest life phase."))


class CentreEditForm(CentreProfileForm):
    """Everything an administrator edits on an existing centre."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    district = SelectField(
        _l("District"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Choose a district."))],
    )
    lat = FloatField(
        _l("Latitude"),
        validators=[Optional(), NumberRange(min=-90, max=90)],
        description=_l("Decimal degrees, e.g. 55.6867. Leave empty if unknown."),
    )
    lon = FloatField(
        _l("Longitude"),
        validators=[Optional(), NumberRange(min=-180, max=180)],
        description=_l("Decimal degrees, e.g. 12.5540."),
    )
    operator_type = SelectField(
        _l("Operator"),
        choices=choice_list(OPERATOR_LABELS.items()),
        coerce=OperatorType,
        default=OperatorType.MUNICIPAL,
    )
    visitation = SelectField(
        _l("Access"),
        choices=choice_list(VISITATION_LABELS.items()),
        coerce=Visitation,
        default=Visitation.UNREFERRED,
    )


class CentreCreateForm(CentreEditForm):
    """A new centre: like editing, plus its permanent slug."""

    slug = StringField(
        _l("Short name (slug)"),
        validators=[DataRequired(), Length(max=60)],
        description=_l(
            "Lower-case letters, digits and hyphens, e.g. nabo-amager. "
            "Used in addresses and exports; it cannot be changed later."
        ),
    )

    def validate_slug(self, field):
        field.data = (field.data or "").strip()
        if not SLUG_RE.match(field.data):
            raise ValidationError(
                _l("Use only a-z, 0-9 and single hyphens between them.")
            )
        if db.session.scalar(select(Centre.id).where(Centre.slug == field.data)):
            raise ValidationError(_l("Another centre already uses this slug."))


class ConfirmForm(BaseForm):
    """An empty form: the POST and its CSRF token are the confirmation."""

    submit = SubmitField(_l("Confirm"))


def parse_hhmm(text: str, allow_24: bool = False) -> time | None:
    """Return the time in ``HH:MM`` (``24:00`` as 00:00 if allowed), or None."""
    match = TIME_RE.match((text or "").strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if allow_24 and (hour, minute) == (24, 0):
        return time(0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class IntervalForm(BaseSubForm):
    """One row of the opening-hours table (a sub-form, so no CSRF of its own)."""

    weekday = SelectField(
        _l("Day"),
        choices=choice_list(
            [("", "–"), *((str(n), label) for n, label in enumerate(WEEKDAYS))]
        ),
        validate_choice=False,
    )
    opens = StringField(_l("Opens"), render_kw={"type": "time", "placeholder": "HH:MM"})
    closes = StringField(
        _l("Closes"), render_kw={"type": "time", "placeholder": "HH:MM"}
    )
    is_user_run = BooleanField(
        _l("User-run"),
        description=_l("The users run the centre; no staff is present."),
    )
    remove = BooleanField(_l("Remove"))

    def is_blank(self) -> bool:
        return not (
            self.weekday.data
            or (self.opens.data or "").strip()
            or (self.closes.data or "").strip()
        )


class HoursForm(BaseForm):
    """A centre's weekly opening intervals, several per weekday."""

    intervals = FieldList(FormField(IntervalForm), min_entries=0)
    submit = SubmitField(_l("Save opening hours"))

    #: After validation: ``(weekday, opens, closes, is_user_run)`` of the rows
    #: to keep.
    cleaned: list[tuple[int, time, time, bool]]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.cleaned = []
        if len(self.intervals) > MAX_HOUR_ROWS:
            self.form_errors.append(_l("At most %(n)s rows, please.", n=MAX_HOUR_ROWS))
            return False
        rows = []  # (entry, interval)
        for entry in self.intervals:
            row = entry.form
            if row.remove.data or row.is_blank():
                continue
            row_ok = True
            weekday = row.weekday.data
            if weekday not in {str(n) for n in range(7)}:
                row.weekday.errors = [*row.weekday.errors, _l("Choose a day.")]
                row_ok = False
            opens = parse_hhmm(row.opens.data)
            if opens is None:
                row.opens.errors = [*row.opens.errors, _l("Use HH:MM, e.g. 09:30.")]
                row_ok = False
            closes = parse_hhmm(row.closes.data, allow_24=True)
            if closes is None:
                row.closes.errors = [*row.closes.errors, _l("Use HH:MM, e.g. 17:00.")]
                row_ok = False
            if row_ok:
                interval = (int(weekday), opens, closes, bool(row.is_user_run.data))
                rows.append((entry, interval))
            ok = ok and row_ok
        if not ok:
            return False
        for i, j in overlapping_pairs([interval for _, interval in rows]):
            for mine, other in ((i, j), (j, i)):
                row = rows[mine][0].form
                weekday, opens, closes, _ = rows[other][1]
                row.opens.errors = [
                    *row.opens.errors,
                    _l(
                        "Overlaps %(day)s %(opens)s–%(closes)s.",
                        day=WEEKDAYS[weekday],
                        opens=f"{opens:%H:%M}",
                        closes=f"{closes:%H:%M}",
                    ),
                ]
            ok = False
        if ok:
            self.cleaned = sorted(interval for _, interval in rows)
        return ok


class CityHoursScopeForm(BaseForm):
    """The city-wide hours page's chooser (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    scope = SelectField(_l("Area"), choices=[], validate_choice=False)
