"""The API's OpenAPI 3.1 description, made from the response models (views/schemas.py) and the
search parameters (search/params.py), and a page that shows it: /api/openapi.json, /api/docs."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from catalogue import FACET_NAMES
from indexer.extract.loader import MAX_PAGE_BYTES
from search.params import FACET_PAGE_PARAMETERS, SEARCH_PARAMETERS, Parameter
from views import schemas

docs = Blueprint("docs", __name__)

# The API's version: the path stays /api/ while changes only add (fields, parameters,
# endpoints); a change that removes or renames one comes with /api/v2/ (README, "The API").
API_VERSION = "1.0"
_MODELS: tuple[type[BaseModel], ...] = (
    schemas.SearchResponse,
    schemas.FacetPage,
    schemas.ArticleResponse,
    schemas.ArticleSummary,
    schemas.Citation,
    schemas.Health,
    schemas.ErrorResponse,
    schemas.JobAccepted,
    schemas.Job,
    schemas.ArticleAccepted,
)
# What the admin endpoints are sent.
_REQUEST_MODELS: tuple[type[BaseModel], ...] = (schemas.ArticleRecord, schemas.ReindexRequest)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _parameter(parameter: Parameter) -> dict[str, Any]:
    schema = parameter.schema
    if parameter.repeatable:
        schema = {"type": "array", "items": schema}
    return {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": parameter.description,
        "schema": schema,
        **({"style": "form", "explode": True} if parameter.repeatable else {}),
    }


_ERRORS = {
    "400": _json(
        schemas.ErrorResponse,
        "A parameter has a value that cannot be used, or the parameters are too long.",
    ),
    "503": _json(schemas.ErrorResponse, "The index is missing or cannot be read."),
}
_ADMIN_ERRORS = {
    "400": _json(schemas.ErrorResponse, "The body or a parameter cannot be used (naming it)."),
    "401": {
        **_json(schemas.ErrorResponse, "No token was sent, or another one."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer"}}},
    },
    "403": _json(
        schemas.ErrorResponse,
        "The admin endpoints are off: the server has no LANTERN_ADMIN_TOKEN.",
    ),
    "413": _json(schemas.ErrorResponse, "The body is larger than the limit."),
    "415": _json(schemas.ErrorResponse, "The body's Content-Type is not one taken here."),
}
_LOCATION = {
    "Location": {
        "description": "The job's status (GET /api/jobs/{job_id}).",
        "schema": {"type": "string"},
    }
}
_JOB_LINK = {"operationId": "getJob", "parameters": {"job_id": "$response.body#/job/id"}}
_ARTICLE_ID = {
    "name": "article_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[^/]+$"},
}


@cache
def openapi_document(site_name: str) -> dict[str, Any]:
    """Returns the OpenAPI 3.1 description of the API."""
    _, definitions = models_json_schema(
        [(m, "serialization") for m in _MODELS] + [(m, "validation") for m in _REQUEST_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    search_params = [_parameter(p) for p in SEARCH_PARAMETERS]
    not_found = _json(schemas.ErrorResponse, "No article has this id.")
    export = {
        "description": "Every hit of the search, streamed.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{site_name} API",
            "version": API_VERSION,
            "description": "Full-text search of news and human-rights reporting.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search: a page of hits, facets over every hit, a histogram.",
                    "parameters": search_params,
                    "responses": {
                        "200": {
                            **_json(schemas.SearchResponse, "Results."),
                            "links": {
                                "FirstHit": {
                                    "operationId": "getArticle",
                                    "parameters": {"article_id": "$response.body#/results/0/id"},
                                }
                            },
                        },
                        **_ERRORS,
                    },
                }
            },
            "/api/search.csv": {
                "get": {
                    "summary": "Every hit of a search as CSV.",
                    "parameters": search_params,
                    "responses": {"200": export, **_ERRORS},
                }
            },
            "/api/search.jsonl": {
                "get": {
                    "summary": "Every hit of a search as JSON Lines (articles without bodies).",
                    "parameters": search_params,
                    "responses": {
                        "200": {
                            "description": "Every hit of the search, streamed.",
                            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                        },
                        **_ERRORS,
                    },
                }
            },
            "/api/facets/{name}": {
                "get": {
                    "summary": "One page of a facet's values for a search.",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(FACET_NAMES)},
                        },
                        *search_params,
                        *(_parameter(p) for p in FACET_PAGE_PARAMETERS),
                    ],
                    "responses": {"200": _json(schemas.FacetPage, "The values."), **_ERRORS},
                }
            },
            "/api/articles/{article_id}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "One article, highlighted for q, with articles like it.",
                    "parameters": [_ARTICLE_ID, *search_params],
                    "responses": {
                        "200": {
                            **_json(schemas.ArticleResponse, "The article."),
                            "links": {
                                "Citation": {
                                    "operationId": "getCitation",
                                    "parameters": {"article_id": "$response.body#/id"},
                                },
                                "FirstRelated": {
                                    "operationId": "getArticle",
                                    "parameters": {"article_id": "$response.body#/related/0/id"},
                                },
                            },
                        },
                        "404": not_found,
                        **_ERRORS,
                    },
                }
            },
            "/api/articles/{article_id}/citation": {
                "get": {
                    "operationId": "getCitation",
                    "summary": "How to cite an article: plain text, BibTeX, CSL-JSON.",
                    "parameters": [_ARTICLE_ID, *search_params],
                    "responses": {
                        "200": _json(schemas.Citation, "The citation."),
                        "404": not_found,
                        **_ERRORS,
                    },
                }
            },
            "/api/reindex": {
                "post": {
                    "operationId": "reindex",
                    "summary": "Update the index from the corpus, in the background (admin).",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "full",
                            "in": "query",
                            "required": False,
                            "description": "read every page again, not only new and changed"
                            " ones (true or false)",
                            "schema": {"type": "boolean"},
                        }
                    ],
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": _ref(schemas.ReindexRequest)}},
                    },
                    "responses": {
                        "202": {
                            **_json(schemas.JobAccepted, "Started: poll the job."),
                            "headers": _LOCATION,
                            "links": {"Job": _JOB_LINK},
                        },
                        **_ADMIN_ERRORS,
                        "409": _json(schemas.ErrorResponse, "An update is running."),
                    },
                }
            },
            "/api/articles": {
                "post": {
                    "operationId": "addArticle",
                    "summary": "Add one page to the corpus and have it indexed (admin).",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "name",
                            "in": "query",
                            "required": False,
                            "description": "the file name in the corpus's uploads folder"
                            " (letters, digits, '-', '_', '.'; the same name replaces the page);"
                            " else the content's hash",
                            "schema": {"type": "string", "maxLength": 200},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "description": f"The page, at most {MAX_PAGE_BYTES} bytes.",
                        "content": {
                            "text/plain": {"schema": {"type": "string", "minLength": 1}},
                            "text/html": {"schema": {"type": "string", "minLength": 1}},
                            "application/json": {"schema": _ref(schemas.ArticleRecord)},
                        },
                    },
                    "responses": {
                        "202": {
                            **_json(schemas.ArticleAccepted, "Saved; poll the job."),
                            "headers": _LOCATION,
                            "links": {"Job": _JOB_LINK},
                        },
                        **_ADMIN_ERRORS,
                    },
                }
            },
            "/api/jobs/{job_id}": {
                "get": {
                    "operationId": "getJob",
                    "summary": "An index update's progress, then its report or its error.",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "job_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[^/]+$"},
                        }
                    ],
                    "responses": {
                        "200": _json(schemas.Job, "The job."),
                        "401": _ADMIN_ERRORS["401"],
                        "403": _ADMIN_ERRORS["403"],
                        "404": _json(schemas.ErrorResponse, "No job has this id (or no more)."),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Whether the index can be searched, and its article count.",
                    "responses": {
                        "200": _json(schemas.Health, "Searchable."),
                        "503": _json(schemas.Health, "The index is missing or unreadable."),
                    },
                }
            },
        },
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the server's LANTERN_ADMIN_TOKEN",
                }
            },
        },
    }


@docs.get("/api/openapi.json")
def openapi_json() -> Any:
    """Returns the API's OpenAPI description."""
    return jsonify(openapi_document(current_app.config["SITE_NAME"]))


@docs.get("/api/docs")
def api_docs() -> Any:
    """Renders the API's description as a page: endpoints, parameters, response fields."""
    return render_template("api_docs.html", doc=openapi_document(current_app.config["SITE_NAME"]))
