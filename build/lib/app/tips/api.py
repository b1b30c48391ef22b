"""``POST /api/v1/tips``: the JSON twin of the report form. No account, no cookies."""
from flask import jsonify, request, url_for

from app.incidents.schema import ValidationError
from app.tips import api_bp, service
from app.tips.forms import HONEYPOT
from app.tips.routes import cap_tip_bodies, submit_limit
from app.tips.schema import parse_tip

api_bp.before_request(cap_tip_bodies)


@api_bp.post("")
@submit_limit()
def create():
    """Accept a tip; answer ``202 {"receipt": …, "status_url": …}``.

    The body is a JSON object with the fields of ``schema.parse_tip``
    (``evidence`` a list of URLs). A filled honeypot field is answered the
    same way and stored nowhere.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="Send the tip as a JSON object (application/json)."), 400
    if body.get(HONEYPOT):
        receipt = service.new_receipt()
    else:
        receipt = service.submit_tip(data=parse_tip(body))
    return jsonify(receipt=receipt,
                   status_url=url_for("tips.status", receipt=receipt)), 202


@api_bp.errorhandler(ValidationError)
def _invalid(exc):
    return jsonify(exc.as_json()), 400
