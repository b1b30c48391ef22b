from app.signals import models  # noqa: F401
