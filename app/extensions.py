"""Flask extensions, created unbound and bound in ``create_app`` with ``init_app``."""
import threading

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app import stored_text
from app.ops import ratestore  # noqa: F401 — registers atlas-file:// with limits
from app.ops.replica import RoutingSession

# Named constraints so that Alembic batch migrations on SQLite can alter them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention above."""

    metadata = MetaData(naming_convention=NAMING)


# RoutingSession: anonymous public reads go to the read replica when one is set.
# Every flush of it refuses texts ``app.inputs`` refuses (``app/stored_text.py``).
stored_text.install(RoutingSession)
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class SweptMemoryStorage(MemoryStorage):
    """``atlas-memory://``: limits' in-process storage, swept once a second.

    limits' ``memory://`` storage starts a new ``threading.Timer`` (a thread)
    10 ms after each counted request, so nearly every API write paid a thread
    start and teardown. Counters expire on read all the same (``get`` checks
    the expiry), so the sweep only frees memory: once a second is plenty.
    """

    STORAGE_SCHEME = ["atlas-memory"]
    SWEEP_EVERY = 1.0  # seconds

    def _MemoryStorage__schedule_expiry(self):  # overrides the private hook of limits 5.8
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_EVERY, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()
babel = Babel()
