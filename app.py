"""create_app(): Lantern's Flask application (config, blueprints, error handlers)."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_compress import Compress
from werkzeug.exceptions import HTTPException

from indexer.errors import UpdateRunning
from search.backends import open_source
from search.errors import ArticleNotFound, BadRequest, IndexUnavailable

DEFAULTS: dict[str, Any] = {
    "BACKEND": "whoosh",
    "INDEX": "var/index",
    "CORPUS": "corpus",
    "SITE_NAME": "Lantern",
    # The admin endpoints' bearer token; none: they answer 403 (views/admin.py).
    "ADMIN_TOKEN": "",
    # The update jobs' status files and logs; empty: `jobs` beside the index folder.
    "JOBS_DIR": "",
    "JSON_SORT_KEYS": False,
    # Our own CSS, JS and icon: a day in browser caches (Flask revalidates them by ETag).
    "SEND_FILE_MAX_AGE_DEFAULT": 24 * 3600,
}


# The longest query string served: the search box's 2,000 characters percent-encoded as UTF-8
# (at most 12 bytes each) and the filters beside them.
MAX_QUERY_STRING_BYTES = 32 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Returns the Lantern app: defaults, then LANTERN_* environment variables, then `config`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("LANTERN")
    # The token as set: from_prefixed_env reads values as JSON (a token of digits is a number).
    app.config["ADMIN_TOKEN"] = os.environ.get("LANTERN_ADMIN_TOKEN", "")
    if config:
        app.config.from_mapping(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # gzip (or brotli, zstd) for clients that accept it, after the ETag is set (flask-compress
    # registers its after_request last; it keeps the ETag weak-suffixed per encoding).
    Compress(app)
    app.extensions["lantern.backend"] = open_source(app.config["BACKEND"], str(app.config["INDEX"]))
    if not app.debug:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from views.admin import admin
    from views.api import api
    from views.export import export
    from views.openapi import docs
    from views.pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(export)
    app.register_blueprint(docs)
    app.register_blueprint(admin)
    _register_errors(app)
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/search.atom")


def _error(status: int, code: str, message: str, param: str | None = None) -> Any:
    if _wants_json():
        error: dict[str, Any] = {"code": code, "message": message}
        if param is not None:
            error["param"] = param
        return jsonify({"error": error}), status
    return render_template("error.html", status=status, message=message), status


# Every response: no inline script or style, no framing, no MIME sniffing, no referrer sent to
# the original pages an article links to.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _cacheable(response: Response) -> Response:
    """Makes a successful GET revalidatable: an ETag of its body (which changes with the index
    generation it was read from) and a 304 when the client has it; the API open to scripts
    on other origins (GET only)."""
    if request.method != "GET":
        return response
    if request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code != 200 or response.is_streamed:
        return response  # exports stream: no body to hash before it is sent
    response.headers.setdefault("Cache-Control", "no-cache")
    response.add_etag()
    response.make_conditional(request)  # a 304 in place when the client has this ETag
    return response


def _refuse_long_urls() -> Any:
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        message = f"the request's parameters are longer than {MAX_QUERY_STRING_BYTES} bytes"
        return _error(400, "too_long", message)
    return None


def _register_errors(app: Flask) -> None:
    app.before_request(_refuse_long_urls)
    app.after_request(_secure)
    app.after_request(_cacheable)

    @app.errorhandler(BadRequest)
    def bad_request(err: BadRequest) -> Any:
        return _error(400, "bad_request", err.message, err.param)

    @app.errorhandler(IndexUnavailable)
    def unavailable(err: IndexUnavailable) -> Any:
        return _error(503, "index_unavailable", str(err))

    @app.errorhandler(UpdateRunning)
    def update_running(err: UpdateRunning) -> Any:
        return _error(409, "update_running", str(err))

    @app.errorhandler(ArticleNotFound)
    def not_found(err: ArticleNotFound) -> Any:
        return _error(404, "not_found", str(err))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Any:
        code = (err.name or "error").lower().replace(" ", "_")
        body, status = _error(err.code or 500, code, err.description or err.name)
        headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        return body, status, headers  # a 405 keeps its Allow header

    @app.errorhandler(Exception)
    def internal(err: Exception) -> Any:
        app.logger.exception("unhandled error on %s", request.path)
        return _error(500, "internal_error", "something went wrong on our side; it was logged")
