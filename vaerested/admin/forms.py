"""Forms for districts, staff accounts and target groups."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from vaerested.auth.passwords import MIN_PASSWORD_LENGTH
from vaerested.centres.forms import MultiCheckboxField, choice_list
from vaerested.extensions import db
from vaerested.forms import BaseForm
from vaerested.models import District, Role, StaffUser, TargetGroup
from vaerested.parsing import BoundedIntegerField

ROLE_LABELS = {
    Role.STAFF: _l("Staff"),
    Role.LEADER: _l("Centre leader"),
    Role.ADMIN: _l("Administration"),
}
GROUP_CODE_RE = re.compile(r"^[a-z0-9_]+$")


class DistrictForm(BaseForm):
    """A district; ``district`` is the one being edited, or None."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Short stable code used in exports and imports, e.g. 3."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    municipality = StringField(
        _l("Municipality"),
        validators=[DataRequired(), Length(max=100)],
        default="København",
    )
    target_population = BoundedIntegerField(
        _l("Estimated target group"),
        validators=[Optional(), NumberRange(min=0)],
        description=_l(
            "People in the target group living here, e.g. estimated from the "
            "number of early-retirement pensioners. Leave empty if unknown."
        ),
    )
    ref_lat = FloatField(
        _l("Reference latitude"),
        validators=[Optional(), NumberRange(min=-90, max=90)],
        description=_l("A point for maps, e.g. the district's centre: 55.6867."),
    )
    ref_lon = FloatField(
        _l("Reference longitude"),
        validators=[Optional(), NumberRange(min=-180, max=180)],
        description=_l("Decimal degrees, e.g. 12.5540."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, district: District | None = None, **kwargs):
        super().__init__(*args, obj=district, **kwargs)
        self._district = district

    def validate_code(self, field):
        field.data = (field.data or "").strip()
        query = select(District.id).where(District.code == field.data)
        if self._district is not None:
            query = query.where(District.id != self._district.id)
        if db.session.scalar(query):
            raise ValidationError(_l("Another district already uses this code."))


class TargetGroupForm(BaseForm):
    """An entry of the managed list of target groups."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Lower-case letters, digits and _, e.g. young or women."),
    )
    name_da = StringField(
        _l("Danish name"), validators=[DataRequired(), Length(max=100)]
    )
    name_en = StringField(
        _l("English name"), validators=[DataRequired(), Length(max=100)]
    )
    is_active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("Inactive groups stay on profiles but are not offered."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, group: TargetGroup | None = None, **kwargs):
        super().__init__(*args, obj=group, **kwargs)
        self._group = group

    def validate_code(self, field):
        field.data = (field.data or "").strip()
        if not GROUP_CODE_RE.match(field.data):
            raise ValidationError(_l("Use only a-z, 0-9 and _."))
        query = select(TargetGroup.id).where(TargetGroup.code == field.data)
        if self._group is not None:
            query = query.where(TargetGroup.id != self._group.id)
        if db.session.scalar(query):
            raise ValidationError(_l("Another target group already uses this code."))


def _password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
        description=_l(
            "At least %(n)s characters. A few unrelated words are easy to type "
            "and hard to guess.",
            n=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class UserEditForm(BaseForm):
    """A staff account's name, role, centres and active flag.

    ``user`` is the account edited (None when creating); ``actor`` is the
    administrator doing it, who may not lock themself out.
    """

    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l(
            "Shown to colleagues; a staff member's name, never a visitor's."
        ),
    )
    role = SelectField(
        _l("Role"), choices=choice_list(ROLE_LABELS.items()), coerce=Role
    )
    centres = MultiCheckboxField(
        _l("Centres"),
        coerce=int,
        description=_l("Required for leaders and staff. Administration sees all."),
    )
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, user=None, actor=None, **kwargs):
        super().__init__(*args, obj=user, **kwargs)
        self._user = user
        self._actor = actor
        if user is not None and not self.is_submitted():
            self.is_active.data = user.is_active_account
            self.centres.data = [c.id for c in user.centres]

    @property
    def is_self(self) -> bool:
        return (
            self._user is not None
            and self._actor is not None
            and self._user.id == self._actor.id
        )

    def validate_role(self, field):
        if self.is_self and field.data != Role.ADMIN:
            raise ValidationError(_l("You cannot remove your own admin role."))

    def validate_centres(self, field):
        if self.role.data in (Role.LEADER, Role.STAFF) and not field.data:
            raise ValidationError(_l("Choose at least one centre for this role."))

    def validate_is_active(self, field):
        if self.is_self and not field.data:
            raise ValidationError(_l("You cannot deactivate your own account."))


class UserCreateForm(UserEditForm):
    """A new staff account with its initial password."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        description=_l("The login name. Not case-sensitive."),
    )
    password, confirm = _password_fields()

    def validate_email(self, field):
        field.data = (field.data or "").strip().lower()
        taken = db.session.scalar(
            select(StaffUser.id).where(func.lower(StaffUser.email) == field.data)
        )
        if taken:
            raise ValidationError(_l("An account with this e-mail already exists."))


class PasswordResetForm(BaseForm):
    """A new password for an account; every session of that account ends."""

    password, confirm = _password_fields()
    submit = SubmitField(_l("Set password"))


class ConfirmForm(BaseForm):
    """An empty form: the POST and its CSRF token are the confirmation."""

    submit = SubmitField(_l("Confirm"))
