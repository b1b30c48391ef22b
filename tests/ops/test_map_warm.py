"""gunicorn workers build the map index at start, before their first request."""
import json
import urllib.request

from tests.ops.liveproc import GunicornServer, flask_cli, prepare_database


def test_workers_build_the_map_index_before_the_first_request(fresh_url, tmp_path):
    prepare_database(fresh_url)
    flask_cli(fresh_url, "demo", "seed", "--count", "40", "--seed", "3")
    log = tmp_path / "gunicorn.log"
    server = GunicornServer(fresh_url, workers=1, log_path=log)
    try:
        with urllib.request.urlopen(server.url + "/api/v1/map?bbox=-180,-85,180,85&zoom=2",
                                    timeout=10) as response:
            total = json.load(response)["total"]
    finally:
        server.stop()
    lines = [line for line in log.read_text().splitlines() if "map index ready" in line]
    assert total > 0 and len(lines) == 1
    assert f"map index ready: {total} published incidents" in lines[0]
