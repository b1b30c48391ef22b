"""`flask setup`: what `make run` does on first start."""
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.incidents.models import Incident


def test_setup_creates_admin_and_demo_data_once(app, runner):
    app.config["ATLAS_DEMO"] = True
    result = runner.invoke(args=["setup"], env={"ATLAS_DEMO_COUNT": "50",
                                                "ATLAS_PASSWORD": "correct horse battery"})
    assert result.exit_code == 0, result.output
    assert "Created admin admin@example.org" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 50
    again = runner.invoke(args=["setup"], env={"ATLAS_DEMO_COUNT": "50"})
    assert again.exit_code == 0, again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 50
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_setup_generates_and_prints_a_password(app, runner):
    app.config["ATLAS_DEMO"] = False
    result = runner.invoke(args=["setup"], env={"ATLAS_PASSWORD": ""})
    assert result.exit_code == 0, result.output
    assert "shown once" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_setup_names_the_first_admin_from_the_environment(app, runner):
    app.config["ATLAS_DEMO"] = False
    result = runner.invoke(args=["setup"], env={"ATLAS_ADMIN_EMAIL": "chief@example.org",
                                                "ATLAS_PASSWORD": "correct horse battery"})
    assert result.exit_code == 0, result.output
    admin = db.session.scalars(sa.select(User)).one()
    assert (admin.email, admin.role) == ("chief@example.org", "admin")
