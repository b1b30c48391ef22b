"""Several processes writing at once: no "database is locked" on SQLite, no unique
violation when they create the same new actor on PostgreSQL; every write lands."""
import multiprocessing

import sqlalchemy as sa

WRITERS = 4
PER_WRITER = 12


def _write_incidents(url, worker, queue):
    """In a fresh process: create incidents through the service, report errors."""
    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.incidents import service
    from app.incidents.schema import parse_incident
    from tests.conftest import config_for
    app = create_app(config_for(url))
    errors = []
    with app.app_context():
        author = db.session.scalar(sa.select(User).where(User.role == "editor"))
        for n in range(PER_WRITER):
            # Same new actor in every process: find-or-create races unless the
            # whole read-then-write transaction holds the write lock.
            data = parse_incident({"title": f"w{worker}-{n}", "start_date": "2025-01-01",
                                   "wkt": "POINT (2 48)", "vectors": ["cyber"],
                                   "actor": f"Race actor {n}"})
            try:
                service.create_incident(data=data, author=author)
            except Exception as exc:  # noqa: BLE001 — reported to the parent
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
        db.engine.dispose()
    queue.put(errors)


def test_concurrent_writer_processes_all_succeed(fresh_url):
    """4 processes × 12 incidents, sharing new actors: every write lands, none fails."""
    from app import create_app
    from app.auth.service import create_user
    from app.extensions import db
    from app.incidents.models import Actor, Incident
    from tests.conftest import config_for, migrate_and_load
    url = fresh_url
    migrate_and_load(url)
    app = create_app(config_for(url))
    with app.app_context():
        create_user(email="ed@example.org", password="x" * 12, role="editor")
        db.engine.dispose()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_write_incidents, args=(url, w, queue)) for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    errors = [e for _ in procs for e in queue.get(timeout=120)]
    for proc in procs:
        proc.join(30)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) \
            == WRITERS * PER_WRITER
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor).where(
            Actor.name.like("Race actor %"))) == PER_WRITER
        db.engine.dispose()
