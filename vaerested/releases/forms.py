"""Forms of the public releases: the yearly budget, a new release, schedules."""

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from vaerested.forms import BaseForm
from vaerested.parsing import BoundedDateField, BoundedIntegerField
from vaerested.services.periods import MAX_DAY_OF_MONTH, Cadence


class ContributionBounds:
    """The per-card contribution bounds of a release (k and m), shared by the
    release form and the schedule form."""

    max_transitions = BoundedIntegerField(
        _l("Transitions counted per card (k)"),
        validators=[InputRequired()],
        low=1,
        high=1000,
    )
    max_visits = BoundedIntegerField(
        _l("Visits counted per card (m)"),
        validators=[InputRequired()],
        low=1,
        high=1000,
    )


class BudgetForm(BaseForm):
    """Set the ε allowed for one year of data."""

    year = BoundedIntegerField(
        _l("Year"), validators=[InputRequired()], low=2000, high=2100
    )
    epsilon = FloatField(
        _l("Yearly ε"),
        validators=[InputRequired(), NumberRange(min=0.01, max=100)],
        description=_l("The total privacy loss allowed for that year's data."),
    )


class ReleaseForm(ContributionBounds, BaseForm):
    """Make a public release for a period within one year."""

    start = BoundedDateField(_l("From"), validators=[InputRequired()])
    end = BoundedDateField(_l("To"), validators=[InputRequired()])
    purpose = StringField(
        _l("Purpose"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Where it will be published, e.g. committee paper, March."),
    )
    epsilon = FloatField(
        _l("ε of this release"),
        validators=[InputRequired(), NumberRange(min=0.01, max=10)],
    )


CADENCE_LABELS = {
    Cadence.MONTHLY: _l("Monthly (the previous calendar month)"),
    Cadence.QUARTERLY: _l("Quarterly (the previous calendar quarter)"),
}


class ScheduleForm(ContributionBounds, BaseForm):
    """A public release made every month or quarter for the period just ended."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Also the purpose in the ledger, e.g. Open data, monthly."),
    )
    cadence = SelectField(
        _l("Period"),
        choices=[SelectChoice(c.value, label) for c, label in CADENCE_LABELS.items()],
        default=Cadence.MONTHLY.value,
    )
    day_of_month = BoundedIntegerField(
        _l("Run day"),
        validators=[InputRequired()],
        low=1,
        high=MAX_DAY_OF_MONTH,
        description=_l(
            "Day (1-28) of the following month, or of the next quarter's first "
            "month, on which the period just ended is released."
        ),
    )
    epsilon = FloatField(
        _l("ε of each release"),
        validators=[InputRequired(), NumberRange(min=0.01, max=10)],
        description=_l("Spent from the budget of the period's year at every run."),
    )


class ConfirmForm(BaseForm):
    """A button that only carries the CSRF token (enable, disable, delete)."""
