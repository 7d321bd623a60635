"""/manifest.webmanifest, /sw.js (served from the root so its scope is the whole app)
and /offline (what a page that is not saved shows without a connection)."""
from flask import Blueprint, current_app, jsonify, render_template

from mooc.offline import services

bp = Blueprint("offline", __name__)


@bp.route("/manifest.webmanifest")
def manifest():
    response = jsonify(services.manifest())
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/sw.js")
def service_worker():
    response = current_app.response_class(services.service_worker_source(),
                                          mimetype="application/javascript")
    # Browsers check for a new worker on every navigation; never let a cache hide one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
def offline_page():
    response = current_app.response_class(render_template("offline/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response
