"""Extension objects, created unbound; :func:`vaerested.create_app` binds them."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from vaerested.models.base import Base, render_migration_item

db = SQLAlchemy(model_class=Base)
migrate = Migrate(
    compare_type=True, render_as_batch=True, render_item=render_migration_item
)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
