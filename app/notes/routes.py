from app.notes import models  # noqa: F401
