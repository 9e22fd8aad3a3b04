"""Forms for planning activities, changing sessions, attendance and courses."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from vaerested.forms import BaseForm
from vaerested.i18n import WEEKDAYS
from vaerested.labels import CATEGORY_LABELS
from vaerested.models import ChangeReason, CourseOutcome, LedBy, RuleKind
from vaerested.parsing import BoundedDateField, BoundedIntegerField
from vaerested.services.cpr import looks_like_cpr
from vaerested.services.recurrence import parse_exception_dates

#: The job centre's referral reference: short, upper-case, never a name.
REFERRAL_RE = re.compile(r"^[A-Z0-9-]{4,20}$")
#: Longest exception list accepted (one rule, a few years of holidays).
MAX_EXCEPTIONS = 200

LED_BY_LABELS = {
    LedBy.STAFF: _l("Staff"),
    LedBy.VOLUNTEER: _l("User volunteers"),
    LedBy.PARTNER: _l("Partner organisation"),
}
KIND_LABELS = {
    RuleKind.WEEKLY: _l("Weekly"),
    RuleKind.MONTHLY: _l("Monthly (nth weekday)"),
    RuleKind.ONCE: _l("Once"),
}
NTH_LABELS = {
    1: _l("First"),
    2: _l("Second"),
    3: _l("Third"),
    4: _l("Fourth"),
    5: _l("Fifth"),
    -1: _l("Last"),
}
REASON_LABELS = {
    ChangeReason.STAFF_ILLNESS: _l("Staff illness"),
    ChangeReason.HOLIDAY: _l("Holiday"),
    ChangeReason.CENTRE_CLOSED: _l("Centre closed"),
    ChangeReason.ROOM_UNAVAILABLE: _l("Room unavailable"),
    ChangeReason.WEATHER: _l("Weather"),
    ChangeReason.TOO_FEW: _l("Too few participants"),
    ChangeReason.PARTNER_CANCELLED: _l("Partner cancelled"),
    ChangeReason.OTHER: _l("Other"),
}
OUTCOME_LABELS = {
    CourseOutcome.CONTINUING: _l("Continuing"),
    CourseOutcome.COMPLETED: _l("Completed"),
    CourseOutcome.EMPLOYMENT: _l("Moved to employment"),
    CourseOutcome.EDUCATION: _l("Moved to education"),
    CourseOutcome.STOPPED: _l("Stopped"),
    CourseOutcome.OTHER: _l("Other"),
}
PHASES = [SelectChoice(n, str(n)) for n in range(1, 5)]


def choices(pairs) -> list[SelectChoice]:
    """Return ``(value, label)`` pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value):
    """Coerce a select value to int, keeping an empty choice as None."""
    return int(value) if value not in (None, "", "None") else None


class ActivityFields:
    """The activity's own fields (mixed into the create and edit forms)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000)],
        description=_l("About the activity, never about a person."),
    )
    category = SelectField(
        _l("Category"), choices=choices(CATEGORY_LABELS.items()), coerce=int
    )
    life_phase_min = SelectField(
        _l("Lowest life phase"), choices=PHASES, coerce=int, default=1
    )
    life_phase_max = SelectField(
        _l("Highest life phase"), choices=PHASES, coerce=int, default=4
    )
    target_group_id = SelectField(
        _l("Target group"), coerce=optional_int, validate_choice=True
    )
    led_by = SelectField(
        _l("Led by"), choices=choices(LED_BY_LABELS.items()), coerce=LedBy
    )
    partner = StringField(
        _l("Partner organisation"),
        validators=[Length(max=100)],
        description=_l("E.g. the job centre or psychiatry; not a person's name."),
    )
    place = StringField(_l("Room or place"), validators=[Optional(), Length(max=100)])
    capacity = BoundedIntegerField(
        _l("Places"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
        description=_l("Leave empty for no limit."),
    )
    is_open_to_other_centres = BooleanField(
        _l("Open to visitors from other centres"), default=True
    )

    def validate_life_phase_max(self, field):
        low = self.life_phase_min.data
        if isinstance(low, int) and isinstance(field.data, int) and field.data < low:
            raise ValidationError(_l("Must not be lower than the lowest life phase."))

    def validate_partner(self, field):
        field.data = (field.data or "").strip()
        if self.led_by.data == LedBy.PARTNER and not field.data:
            raise ValidationError(_l("Name the partner organisation."))


class RuleFields:
    """When the activity takes place (mixed into the create and rule forms)."""

    kind = SelectField(
        _l("Repeats"), choices=choices(KIND_LABELS.items()), coerce=RuleKind
    )
    weekday = SelectField(
        _l("Weekday"),
        choices=choices((n, label) for n, label in enumerate(WEEKDAYS)),
        coerce=int,
    )
    interval_weeks = BoundedIntegerField(
        _l("Every … weeks"),
        default=1,
        # Left empty (or hidden for monthly rules) it means every week.
        filters=[lambda value: 1 if value is None else value],
        validators=[Optional(), NumberRange(min=1, max=52)],
        description=_l("1 = every week, 2 = every other week."),
    )
    nth = SelectField(
        _l("Which in the month"),
        choices=choices(NTH_LABELS.items()),
        coerce=int,
        description=_l("For monthly: e.g. the first Monday of the month."),
    )
    start_date = BoundedDateField(_l("From date"), validators=[InputRequired()])
    end_date = BoundedDateField(
        _l("Until date"),
        validators=[Optional()],
        description=_l("Leave empty to keep going."),
    )
    start_time = TimeField(_l("Starts"), validators=[InputRequired()])
    end_time = TimeField(
        _l("Ends"),
        validators=[InputRequired()],
        description=_l("An end before the start is on the next day."),
    )
    exception_dates = TextAreaField(
        _l("Skip these dates"),
        validators=[Optional(), Length(max=MAX_EXCEPTIONS * 11)],
        description=_l("Dates without a session, e.g. 2026-12-24, 2026-12-31."),
    )

    def validate_end_date(self, field):
        start = self.start_date.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("Must not be before the start date."))

    def validate_end_time(self, field):
        if field.data and field.data == self.start_time.data:
            raise ValidationError(_l("Must differ from the start time."))

    def validate_interval_weeks(self, field):
        if field.data is None:
            field.data = 1

    def validate_exception_dates(self, field):
        try:
            days = parse_exception_dates(field.data or "")
        except ValueError as error:
            raise ValidationError(
                _l("Not a date: %(text)s (use YYYY-MM-DD).", text=str(error)[:20])
            ) from error
        if len(days) > MAX_EXCEPTIONS:
            raise ValidationError(_l("At most %(n)s dates.", n=MAX_EXCEPTIONS))
        field.data = ",".join(d.isoformat() for d in days)


class ActivityCreateForm(ActivityFields, RuleFields, BaseForm):
    """A new activity with its first rule."""

    submit = SubmitField(_l("Create activity"))


class ActivityEditForm(ActivityFields, BaseForm):
    """Edit an activity's description (its rules are edited one by one)."""

    is_active = BooleanField(
        _l("Active"),
        description=_l("An archived activity keeps its past sessions."),
    )
    submit = SubmitField(_l("Save"))


class RuleForm(RuleFields, BaseForm):
    """Add or change a rule."""

    submit = SubmitField(_l("Save rule"))


class SessionChangeForm(BaseForm):
    """Cancel, move or reinstate one session."""

    action = SelectField(
        _l("Change"),
        choices=choices(
            [
                ("cancel", _l("Cancel this session")),
                ("move", _l("Move this session")),
                ("reinstate", _l("Reinstate (undo cancel)")),
            ]
        ),
    )
    reason = SelectField(
        _l("Reason"),
        choices=choices([("", "–"), *REASON_LABELS.items()]),
        description=_l("About the session, never about a person."),
    )
    day = BoundedDateField(_l("New date"), validators=[Optional()])
    start_time = TimeField(_l("New start"), validators=[Optional()])
    end_time = TimeField(_l("New end"), validators=[Optional()])
    submit = SubmitField(_l("Save change"))

    def validate_reason(self, field):
        if self.action.data in ("cancel", "move") and not field.data:
            raise ValidationError(_l("Choose a reason."))

    def validate_day(self, field):
        if self.action.data == "move" and field.data is None:
            raise ValidationError(_l("Give the new date."))

    def validate_start_time(self, field):
        if self.action.data == "move" and field.data is None:
            raise ValidationError(_l("Give the new start."))

    def validate_end_time(self, field):
        if self.action.data != "move":
            return
        if field.data is None:
            raise ValidationError(_l("Give the new end."))
        if field.data == self.start_time.data:
            raise ValidationError(_l("Must differ from the start time."))


class AttendanceForm(BaseForm):
    """The anonymous counts of a session."""

    headcount = BoundedIntegerField(
        _l("Attendees without a card"),
        validators=[InputRequired(), NumberRange(min=0, max=10000)],
        description=_l("Counted heads; scanned cards are added to these."),
    )
    volunteers = BoundedIntegerField(
        _l("Volunteers running it"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=1000)],
        description=_l("Not counted as attendees."),
    )
    submit = SubmitField(_l("Save attendance"))


class ScanForm(BaseForm):
    """A card code, from a scanner (keyboard wedge) or typed."""

    code = StringField(
        _l("Card code"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    is_volunteer = BooleanField(
        _l("As a volunteer at this session"),
        description=_l(
            "The card's holder helps run the session. Scan a registered card "
            "again with this ticked to mark it."
        ),
    )
    submit = SubmitField(_l("Register card"))


class FollowCardForm(BaseForm):
    """Enrol a card on a category-2 clarification course: the card's code
    (scanned or typed, hashed like everywhere) and the dates; no reference."""

    code = StringField(
        _l("Card code"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off"},
    )
    start_date = BoundedDateField(_l("Start"), validators=[InputRequired()])
    end_date = BoundedDateField(_l("End"), validators=[Optional()])
    planned_sessions = BoundedIntegerField(
        _l("Planned sessions"), validators=[Optional(), NumberRange(min=1, max=500)]
    )
    submit = SubmitField(_l("Enrol"))

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("Must not be before the start date."))


class EnrolForm(FollowCardForm):
    """Enrol a card on a category-3 course (the job centre's referral)."""

    referral_ref = StringField(
        _l("Referral reference"),
        validators=[
            DataRequired(),
            Regexp(
                REFERRAL_RE,
                message=_l("4-20 characters: A-Z, 0-9 and hyphens."),
            ),
        ],
        description=_l("The job centre's reference, e.g. BIF-2026-0042. No names."),
        filters=[lambda s: (s or "").strip().upper()],
    )

    def validate_referral_ref(self, field):
        if looks_like_cpr(field.data):
            raise ValidationError(
                _l(
                    "This looks like a CPR number. Enter the job centre's short "
                    "reference, never a person's CPR number."
                )
            )


class FollowUpForm(BaseForm):
    """A follow-up: a date and an outcome from the fixed list; no notes."""

    follow_up_date = BoundedDateField(_l("Date"), validators=[InputRequired()])
    outcome = SelectField(
        _l("Outcome"), choices=choices(OUTCOME_LABELS.items()), coerce=CourseOutcome
    )
    submit = SubmitField(_l("Add follow-up"))
