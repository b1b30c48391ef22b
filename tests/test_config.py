"""Configuration: production refuses to start without a secret key."""
import os

import pytest

from app import create_app
from config import ProductionConfig


def test_production_requires_secret_key():
    config = type("NoKey", (ProductionConfig,), {"SECRET_KEY": None,
                                                 "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(config)


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


# --- every documented variable is read and has an effect; every read one is documented

import importlib  # noqa: E402
import re  # noqa: E402
import runpy  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Read by the test suite only, never by a deployment.
TEST_ONLY = {"TEST_DATABASE_URL"}
#: Answers a CLI command reads when it runs: checked by the tests named.
CLI_INPUTS = {"ATLAS_PASSWORD": "tests/test_setup_cli.py",
              "ATLAS_ADMIN_EMAIL": "tests/test_setup_cli.py",
              "ATLAS_DEMO_COUNT": "tests/test_setup_cli.py",
              "ATLAS_GEODATA": "tests/geo/test_countries.py"}
_READ = re.compile(r"""os\.environ(?:\.get)?[(\[]\s*["']([A-Z][A-Z0-9_]+)["']"""
                   r"""|_database_url\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def documented_variables():
    """The first column of the README's configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration (environment)", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, re.MULTILINE))


def read_variables():
    """Every variable name read from the environment by config.py, gunicorn.conf.py, app/."""
    files = [ROOT / "config.py", ROOT / "gunicorn.conf.py", *sorted((ROOT / "app").rglob("*.py"))]
    names = {"DATABASE_URL"}  # _database_url()'s default name
    for path in files:
        for match in _READ.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names - TEST_ONLY


def test_every_read_variable_is_documented_and_every_documented_one_read():
    documented, read = documented_variables(), read_variables()
    assert read - documented == set(), "read but missing from the README's table"
    assert documented - read == set(), "in the README's table but read nowhere"


def _settings(module):
    return {cls: {k: v for k, v in vars(cls).items() if k.isupper()}
            for cls in (module.Config, module.ProductionConfig)} | {
        "INSTANCE_DIR": module.INSTANCE_DIR, "env": module.config_for_env().__name__}


def _gunicorn_settings():
    names = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {k: v for k, v in names.items() if not k.startswith("_") and not callable(v)
            and not hasattr(v, "__spec__")}


#: Values tried in turn until one changes something (a setting's type decides which
#: one is valid: an integer, a 0/1 switch, a name).
CANDIDATES = ["7", "0", "1", "development", "offline"]


def _effect(name, read_settings, monkeypatch):
    old = os.environ.get(name)
    monkeypatch.delenv(name, raising=False)
    baseline = read_settings()
    try:
        for value in CANDIDATES:
            monkeypatch.setenv(name, value)
            try:
                if read_settings() != baseline:
                    return value
            except (ValueError, SystemExit):
                continue
        return None
    finally:
        # As it was: a value left behind (BIND) would hide the next variable's (PORT).
        if old is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, old)


def test_every_documented_variable_has_an_effect(monkeypatch, tmp_path):
    import config
    from app.interchange import sniff
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    # Metrics on, so that PROMETHEUS_MULTIPROC_DIR (read only then) can show its effect.
    monkeypatch.setenv("ATLAS_METRICS", "1")
    monkeypatch.setenv("ATLAS_TILES_ATTRIBUTION", "")
    readers = {
        "config.py": lambda: _settings(importlib.reload(config)),
        "gunicorn.conf.py": _gunicorn_settings,
        "app/interchange/sniff.py": lambda: importlib.reload(sniff).MAX_UNZIPPED,
    }
    without_effect = []
    try:
        for name in sorted(documented_variables() - set(CLI_INPUTS)):
            files = [f for f in readers if name in (ROOT / f).read_text(encoding="utf-8")]
            if not any(_effect(name, readers[f], monkeypatch) for f in files):
                without_effect.append(name)
    finally:
        monkeypatch.undo()
        importlib.reload(config)
        importlib.reload(sniff)
    # Read inside gunicorn's hooks at run time (tests/ops/test_map_warm.py).
    assert without_effect == ["ATLAS_MAP_WARM"]


def test_cli_inputs_are_tested():
    for name, test in CLI_INPUTS.items():
        assert name in (ROOT / test).read_text(encoding="utf-8"), (name, test)


def test_secret_key_file_read_when_the_variable_is_unset(monkeypatch, tmp_path):
    import config
    (tmp_path / "secret_key").write_text("from-the-file\n")
    monkeypatch.setenv("ATLAS_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    try:
        assert importlib.reload(config).ProductionConfig.SECRET_KEY == "from-the-file"
        monkeypatch.setenv("SECRET_KEY", "from-the-environment")
        assert importlib.reload(config).ProductionConfig.SECRET_KEY == "from-the-environment"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_dotenv_file_is_loaded_and_the_environment_wins(tmp_path):
    """Run outside the test suite's ATLAS_ENV=testing, which ignores .env by design."""
    import subprocess
    import sys
    (tmp_path / "config.py").write_text((ROOT / "config.py").read_text(encoding="utf-8"))
    (tmp_path / ".env").write_text("ATLAS_LOG_LEVEL=debug\nATLAS_TILES=offline\n"
                                   "ATLAS_EMBED_HOSTS=a.example.org b.example.org\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(ATLAS_EMBED_HOSTS="env.example.org", PYTHONPATH=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", "import config; c = config.Config; "
         "print(c.ATLAS_LOG_LEVEL, c.ATLAS_EMBED_HOSTS)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "DEBUG ['env.example.org']"


def test_a_tile_server_needs_its_attribution():
    config = type("Tiles", (ProductionConfig,), {
        "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "ATLAS_TILES": "https://tiles.example.org/{z}/{x}/{y}.png",
        "ATLAS_TILES_ATTRIBUTION": ""})
    with pytest.raises(RuntimeError, match="ATLAS_TILES_ATTRIBUTION"):
        create_app(config)


def test_tiles_offline_by_default(monkeypatch):
    import config
    monkeypatch.delenv("ATLAS_TILES", raising=False)
    try:
        assert importlib.reload(config).ProductionConfig.ATLAS_TILES == "offline"
    finally:
        monkeypatch.undo()
        importlib.reload(config)
