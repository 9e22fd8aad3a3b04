"""Flask-Login wiring."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vaerested.extensions import db, login_manager
from vaerested.models import StaffUser

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(login_id: str) -> StaffUser | None:
    """Return the active user whose current session id is ``login_id``."""
    return db.session.scalar(select(StaffUser).where(StaffUser.login_id == login_id))
