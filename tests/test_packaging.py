"""The package installs as documented: the runtime lock with hashes, then ``pip install .``.

Slow (a clean virtualenv, every runtime package from the configured index; minutes):
marked ``slow``, deselect with ``-m "not slow"``. It checks that the hashed lock
installs, that ``pip install .`` works on top of it, that the installed app (outside
the checkout) migrates a database and serves its pages and static files, and that
no test tool came with the runtime.
"""
import os
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMOKE = """
import os
from wsgi import app
client = app.test_client()
for path in ("/healthz", "/map", "/geodata/countries-110m.geojson"):
    assert client.get(path).status_code == 200, path
page = client.get("/map").get_data(as_text=True)
script = page.split('src="/static/js/atlas-map.js', 1)[1].split('"', 1)[0]
assert client.get("/static/js/atlas-map.js" + script).status_code == 200
import app as package
assert "site-packages" in package.__file__, package.__file__
print("served")
"""


@pytest.mark.slow
def test_runtime_lock_and_pip_install_dot_in_a_clean_virtualenv(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")

    def run(*args, cwd=tmp_path, **env):
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=1800,
                              env={**os.environ, **env}, check=True)
    run(python, "-m", "pip", "install", "--quiet", "--require-hashes",
        "-r", str(ROOT / "requirements.txt"))
    run(python, "-m", "pip", "install", "--quiet", str(ROOT))
    installed = run(python, "-m", "pip", "list", "--format=freeze").stdout.lower()
    for tool in ("pytest", "playwright", "hypothesis", "schemathesis", "stix2-validator"):
        assert f"\n{tool}==" not in "\n" + installed, f"{tool} came with the runtime"
    database = f"sqlite:///{tmp_path / 'atlas.db'}"
    settings = dict(DATABASE_URL=database, SECRET_KEY="packaging-test", ATLAS_ENV="production",
                    ATLAS_INSTANCE_DIR=str(tmp_path / "instance"), PYTHONPATH="")
    flask = str(env_dir / "bin" / "flask")
    run(flask, "--app", "wsgi", "db", "upgrade", **settings)
    run(flask, "--app", "wsgi", "reference", "load", **settings)
    assert run(python, "-c", SMOKE, **settings).stdout.strip().endswith("served")
