"""Forms for export schedules and "Run now"."""

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
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

from vaerested.centres.forms import MultiCheckboxField
from vaerested.forms import BaseForm
from vaerested.i18n import WEEKDAYS
from vaerested.labels import CADENCE_LABELS, FORMAT_LABELS, REPORT_LABELS
from vaerested.parsing import BoundedDateField, BoundedIntegerField
from vaerested.reports.tables.build import FORMATS, REPORTS
from vaerested.services.periods import MAX_DAY_OF_MONTH, Cadence

#: Longest period of an on-demand export: three years, as on the report pages.
MAX_PERIOD_DAYS = 3 * 366


def report_choices() -> list[SelectChoice]:
    return [SelectChoice(name, REPORT_LABELS.get(name, name)) for name in REPORTS]


def format_choices() -> list[SelectChoice]:
    return [SelectChoice(fmt, FORMAT_LABELS.get(fmt, fmt)) for fmt in FORMATS]


def min_cell_floor() -> int:
    """Return the smallest min-cell a web form or a schedule may use
    (config ``EXPORT_MIN_CELL_FLOOR``, at least 2: raw counts, min-cell 1, only
    from the command line)."""
    return max(2, int(current_app.config["EXPORT_MIN_CELL_FLOOR"]))


def _at_least_floor(form, field) -> None:
    floor = min_cell_floor()
    if field.data is not None and field.data < floor:
        raise ValidationError(
            _(
                "The smallest count shown must be at least %(floor)s: "
                "figures leaving the system are protected.",
                floor=floor,
            )
        )


def _min_cell_field() -> BoundedIntegerField:
    return BoundedIntegerField(
        _l("Smallest count shown (min-cell)"),
        validators=[DataRequired(), NumberRange(min=1, max=1000), _at_least_floor],
        description=_l(
            "Counts are perturbed a little, then those from 1 up to one less "
            "than this are written as <N; raw counts only from the command line."
        ),
    )


class ScheduleForm(BaseForm):
    """An export schedule; the run day field that fits the cadence is required."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("E.g. Monthly visits for the social committee."),
    )
    report = SelectField(_l("Report"), validators=[DataRequired()])
    format = SelectField(_l("Format"), validators=[DataRequired()])
    cadence = SelectField(
        _l("Cadence"),
        choices=[SelectChoice(c.value, label) for c, label in CADENCE_LABELS.items()],
        validators=[DataRequired()],
    )
    weekday = SelectField(
        _l("Run on (weekly)"),
        choices=[SelectChoice(str(i), label) for i, label in enumerate(WEEKDAYS)],
        default="0",
        validate_choice=False,  # checked below, only for weekly schedules
        description=_l("The weekday on which last week's export is made."),
    )
    day_of_month = BoundedIntegerField(
        _l("Run on day (monthly, quarterly)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DAY_OF_MONTH)],
        default=1,
        description=_l(
            "Day 1-28 of the month (for quarterly: of the quarter's first month) "
            "on which the export of the period just ended is made."
        ),
    )
    min_cell = _min_cell_field()
    #: Choices: active administration accounts (set by the view).
    recipients = MultiCheckboxField(
        _l("E-mail when a run finishes"),
        coerce=int,
        description=_l(
            "Each one gets an e-mail with a link to the run's files (after "
            "login), never the data. Only administration can open the files."
        ),
    )
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, recipient_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.report.choices = report_choices()
        self.format.choices = format_choices()
        self.recipients.choices = list(recipient_choices)

    def validate(self, extra_validators=None) -> bool:
        """Also require the day of the month unless the schedule is weekly.

        (A method ``validate_day_of_month`` would not run: ``Optional`` stops the
        chain on an empty field.)
        """
        valid = super().validate(extra_validators)
        day = self.day_of_month
        if self.cadence.data != Cadence.WEEKLY and day.data is None and not day.errors:
            day.errors.append(_l("Choose the day of the month the export runs on."))
            valid = False
        return valid

    def validate_weekday(self, field):
        if self.cadence.data != Cadence.WEEKLY:
            return
        if field.data not in {str(i) for i in range(7)}:
            raise ValidationError(_l("Choose a weekday."))


class RunNowForm(BaseForm):
    """An on-demand export of one report for a chosen period."""

    report = SelectField(_l("Report"), validators=[DataRequired()])
    format = SelectField(_l("Format"), validators=[DataRequired()])
    period_start = BoundedDateField(_l("From"), validators=[DataRequired()])
    period_end = BoundedDateField(
        _l("To"),
        validators=[DataRequired()],
        description=_l("Both days are included."),
    )
    min_cell = _min_cell_field()
    submit = SubmitField(_l("Run now"))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.report.choices = report_choices()
        self.format.choices = format_choices()

    def validate_period_end(self, field):
        start = self.period_start.data
        if field.data is None:
            return
        if field.data > self.today:
            raise ValidationError(_l("The period cannot end after today."))
        if start is not None and field.data < start:
            raise ValidationError(_l("The period must not end before it starts."))
        if start is not None and field.data - start >= timedelta(days=MAX_PERIOD_DAYS):
            raise ValidationError(_l("Choose a period of at most three years."))


class ConfirmForm(BaseForm):
    """A confirmation button (CSRF only)."""

    submit = SubmitField(_l("Deactivate"))
