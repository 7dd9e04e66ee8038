"""The admin API, behind a bearer token: pages added (POST /api/articles) and the index updated
(POST /api/reindex) over HTTP, by jobs whose progress GET /api/jobs/<id> reports."""

from __future__ import annotations

import hmac
import json
import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (
    BadRequest as BadBody,
)
from werkzeug.exceptions import (
    Forbidden,
    NotFound,
    RequestEntityTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)

from indexer.errors import BadPageName
from indexer.extract.loader import MAX_PAGE_BYTES
from indexer.extract.models import PageKind
from indexer.jobs import Job, Jobs, read_job, request_update, start_update
from indexer.uploads import page_name, save_page
from search.errors import BadRequest
from views import schemas
from views.common import request_args

logger = logging.getLogger(__name__)

admin = Blueprint("admin", __name__)

# The media types a page may be sent as, and the kind of page each is saved as.
PAGE_TYPES: dict[str, PageKind] = {
    "text/plain": "text",
    "text/html": "html",
    "application/json": "record",
}
# A reindex request's body is at most {"full": true}.
MAX_REINDEX_BYTES = 1024
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


def jobs() -> Jobs:
    """Returns where the app's jobs work: CORPUS, INDEX, and JOBS_DIR (else `jobs` beside the
    index folder)."""
    config = current_app.config
    index = Path(str(config["INDEX"])).absolute()
    folder = Path(str(config.get("JOBS_DIR") or index.parent / "jobs")).absolute()
    return Jobs(corpus=Path(str(config["CORPUS"])).absolute(), index=index, folder=folder)


def authorize() -> None:
    """Lets the request through when it carries the admin token.

    Raises:
        Forbidden: no token is configured, so the admin endpoints are off.
        Unauthorized: the request has no token, or another one.
    """
    token = current_app.config.get("ADMIN_TOKEN")
    if not token:
        raise Forbidden(
            "the admin endpoints are off: set LANTERN_ADMIN_TOKEN in the server's environment"
            " to turn them on"
        )
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not _is_token(sent.strip(), str(token)):
        raise Unauthorized(
            "this endpoint needs the admin token: send 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer"),
        )


def _is_token(sent: str, token: str) -> bool:
    try:
        given = sent.encode("latin-1")  # the header's bytes, as the WSGI server decoded them
    except UnicodeEncodeError:
        return False
    return bool(given) and hmac.compare_digest(given, token.encode("utf-8"))


def job_response(job: Job) -> schemas.Job:
    """Returns a job as the API shows it."""
    return schemas.Job(
        id=job.id,
        url=url_for("admin.job_status", job_id=job.id),
        state=job.state,
        stage=job.stage,
        files_done=job.files_done,
        files_total=job.files_total,
        articles=job.articles,
        errors=job.errors,
        eta_seconds=job.eta_seconds,
        started_at=job.started_at,
        finished_at=job.finished_at,
        report=job.report,
        error=job.error,
    )


def _accepted(body: BaseModel, job: Job | None) -> Response:
    response = jsonify(schemas.dump(body))
    response.status_code = 202
    if job is not None:
        response.headers["Location"] = url_for("admin.job_status", job_id=job.id)
    return response


@admin.post("/api/reindex")
def reindex() -> Any:
    """Starts an index update (a full one with `full=true`); 409 while one runs."""
    authorize()
    full = _full_requested()
    job = start_update(jobs(), full=full)
    return _accepted(schemas.JobAccepted(job=job_response(job)), job)


@admin.post("/api/articles")
def add_article() -> Any:
    """Saves one page into the corpus (text, HTML or a JSON article record) and has it indexed."""
    authorize()
    args = request_args()
    kind = _page_kind()
    data = _page_body(kind)
    given = args["name"][0] if args.get("name") else None
    try:
        name = page_name(given, data, kind)
    except BadPageName as err:
        raise BadRequest("name", given or "", str(err)) from err
    where = jobs()
    path = save_page(where.corpus, name, data)
    logger.info("saved %s (%d bytes) into %s", path, len(data), where.corpus)
    job = request_update(where)
    response = schemas.ArticleAccepted(path=path, job=job_response(job) if job else None)
    return _accepted(response, job)


@admin.get("/api/jobs/<job_id>")
def job_status(job_id: str) -> Any:
    """Returns a job's progress, then its report or its error."""
    authorize()  # a report names the corpus's files and what went wrong with them
    job = read_job(jobs(), job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id!r}")
    return jsonify(schemas.dump(job_response(job)))


def _full_requested() -> bool:
    """Returns whether a full update is asked for: `full` in the query or the JSON body."""
    args = request_args()
    full = False
    if "full" in args:
        raw = args["full"][0]
        if raw.lower() not in BOOLEANS:
            raise BadRequest("full", raw, "full must be true or false")
        full = BOOLEANS[raw.lower()]
    data = _body(MAX_REINDEX_BYTES)
    if not data.strip():
        return full
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the options as application/json, or none")
    try:
        options = schemas.ReindexRequest.model_validate(_json_object(data))
    except ValidationError as err:
        raise _invalid(err) from err
    return full or options.full


def _page_kind() -> PageKind:
    kind = PAGE_TYPES.get(request.mimetype)
    if kind is None:
        sent = request.mimetype or "no Content-Type"
        raise UnsupportedMediaType(
            f"{sent} is not a page: send text/plain, text/html or application/json"
        )
    return kind


def _page_body(kind: PageKind) -> bytes:
    """Returns the page as it is saved: text as UTF-8, HTML as sent, a record as one line.

    Raises:
        RequestEntityTooLarge: it is longer than a page may be.
        BadRequest: it is empty, or not an article record.
    """
    data = _body(MAX_PAGE_BYTES)
    if not data.strip():
        raise BadBody("the body is empty: send the page")
    if kind == "record":
        try:
            record = schemas.ArticleRecord.model_validate(_json_object(data))
        except ValidationError as err:
            raise _invalid(err) from err
        return (
            json.dumps(record.model_dump(exclude_none=True), ensure_ascii=False) + "\n"
        ).encode()
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if kind == "text" and charset not in UTF8_NAMES:
        try:
            return data.decode(charset).encode("utf-8")
        except LookupError as err:
            raise UnsupportedMediaType(f"unknown character set {charset!r}") from err
        except UnicodeDecodeError as err:
            raise BadBody(f"the text is not {charset}: {err.reason}") from err
    return data


def _body(limit: int) -> bytes:
    """Returns the request's body, read up to `limit` bytes, declared or not (werkzeug does not
    limit a chunked body that the server has already decoded)."""
    too_large = RequestEntityTooLarge(f"the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while chunk := request.stream.read(min(1 << 16, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_large
    return b"".join(chunks)


def _json_object(data: bytes) -> Any:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise BadBody(f"the body is not JSON: {err}") from err
    if not isinstance(value, dict):
        raise BadBody("the body must be one JSON object")
    return value


def _invalid(err: ValidationError) -> Exception:
    """Returns the 400 for a body that is JSON but not what the endpoint takes."""
    first = err.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    if not field:
        return BadBody(first["msg"].removeprefix("Value error, "))
    value = first.get("input")
    return BadRequest(field, value if isinstance(value, str) else "", f"{field}: {first['msg']}")
