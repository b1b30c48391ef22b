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


# override_defaults=False: the blueprint's bad-token throttle applies to writes
# too, else a script could guess tokens through POST at the write limit's pace.
write_limit = limiter.limit(
    _write_limit, key_func=token_key, override_defaults=False,
    error_message="Too many writes with this token; slow down and retry later.")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public_read():
    """A credential-less read of the API (the map's data, public incidents).

    No API limit can apply to it: writes are limited per token, and only
    answers to a token (401) count against a client. Skipping the limiter's
    bookkeeping for these requests saves a sixth of a cached map answer's cost.
    """
    return (request.blueprint == "api" and request.method in SAFE_METHODS
            and "Authorization" not in request.headers)


def _wrong_token(response):
    """A 401 to a request that sent a token: a guess (a missing one is no guess)."""
    return response.status_code == 401 and bool(request.headers.get("Authorization"))


def throttle_bad_tokens(blueprint):
    """Count wrong tokens (401 answers to a token) per client: guessing gets 429 quickly.

    One count per client for the whole API (shared), so guesses spread over
    several endpoints, writes included, still add up.

    Credential-less reads are left out (``public_read``): they get no 401 and,
    once a client is throttled, it can still read what is public.
    """
    limiter.request_filter(public_read)
    limiter.shared_limit(_token_throttle, scope="api-bad-token",
                         deduct_when=_wrong_token,
                         error_message="Too many requests with a wrong API token; wait a "
                         "minute.")(blueprint)
