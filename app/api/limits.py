"""Rate limits of the API: failed token use per client, writes per token."""
import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address

from app.extensions import limiter


def token_key():
    """Writes are counted per token (hashed; a token never reaches the storage)."""
    header = request.headers.get("Authorization", "")
    if not header:
        return get_remote_address()
    return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]


def _write_limit():
    return current_app.config["ATLAS_API_WRITE_LIMIT"]


def _token_throttle():
    return current_app.config["ATLAS_TOKEN_THROTTLE"]


write_limit = limiter.limit(
    _write_limit, key_func=token_key,
    error_message="Too many writes with this token; slow down and retry later.")


def throttle_bad_tokens(blueprint):
    """Count only 401 answers per client address: guessing tokens gets 429 quickly."""
    limiter.limit(_token_throttle, deduct_when=lambda response: response.status_code == 401,
                  error_message="Too many requests with a wrong API token; wait a minute.",
                  scope="api-bad-token")(blueprint)
