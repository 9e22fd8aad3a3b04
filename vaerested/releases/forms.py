"""Forms of the public releases: the yearly budget and a new release."""

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from vaerested.forms import BaseForm
from vaerested.parsing import BoundedDateField, BoundedIntegerField


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


class ReleaseForm(BaseForm):
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
