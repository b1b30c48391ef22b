"""Create and seed a benchmark database once; bench_map.py reuses it.

Usage: ``python bench/seed_db.py URL COUNT`` — e.g.
``sqlite:///bench/out/sqlite-1000000.db 1000000``. Migrates, loads reference
data, creates an editor and seeds ``COUNT`` published demo incidents (seed 1).
Does nothing when the database already holds incidents.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import ProductionConfig  # noqa: E402


def bench_config(url):
    """The production config (no debug: compact JSON) on ``url``, tiles offline."""
    return type("BenchConfig", (ProductionConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "ATLAS_TILES": "offline", "ATLAS_DEMO": False,
        "SECRET_KEY": "bench-only-not-secret"})


def ensure_seeded(url, count):
    """Migrate ``url`` and seed ``count`` incidents unless already seeded."""
    from flask_migrate import upgrade

    from app.auth.service import create_user
    from app.demo.seed import seed
    from app.incidents.models import Incident
    from app.incidents.taxonomy import load_reference_data
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Incident))
        if have:
            print(f"{url}: {have} incidents already, not seeding")
            return
        load_reference_data()
        author = create_user(email="bench@example.org", password="bench bench bench",
                             role="editor")
        t0 = time.perf_counter()
        seed(count=count, seed_value=1, author=author)
        print(f"{url}: seeded {count} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    ensure_seeded(sys.argv[1], int(sys.argv[2]))
