"""gunicorn workers build the map index at start, before their first request."""
import json
import urllib.request

from tests.ops.liveproc import GunicornServer, flask_cli, prepare_database


def _serve_once(url, log, saved):
    """Start one worker, ask for the world map, stop; return the total shown."""
    server = GunicornServer(url, workers=1, log_path=log, ATLAS_MAP_SAVED_DIR=saved)
    try:
        with urllib.request.urlopen(server.url + "/api/v1/map?bbox=-180,-85,180,85&zoom=2",
                                    timeout=10) as response:
            return json.load(response)["total"]
    finally:
        server.stop()


def test_workers_build_the_map_index_before_the_first_request(fresh_url, tmp_path):
    """The first worker builds and saves it; the next one starts from the saved files."""
    prepare_database(fresh_url)
    flask_cli(fresh_url, "demo", "seed", "--count", "40", "--seed", "3")
    log, saved = tmp_path / "gunicorn.log", tmp_path / "map-index"
    total = _serve_once(fresh_url, log, saved)
    assert total > 0 and len(list(saved.glob("*-*/meta.json"))) == 1
    flask_cli(fresh_url, "demo", "seed", "--count", "5", "--seed", "4")  # logged changes
    assert _serve_once(fresh_url, log, saved) == total + 5
    lines = [line for line in log.read_text().splitlines() if "map index ready" in line]
    assert len(lines) == 2
    assert f"map index ready: {total} published incidents" in lines[0]
    assert "(built)" in lines[0] and "(from the saved index)" in lines[1]
