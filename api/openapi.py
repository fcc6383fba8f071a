"""What the OpenAPI document says beyond what ninja reads off the views: each operation's error answers (problem
documents, ``application/problem+json``) and the reader's ``X-Newsroom-Reader`` header, sent and answered."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from api.problems import CONTENT_TYPE, TITLES
from api.schemas import Problem

READER_HEADER = "X-Newsroom-Reader"
READER_OPERATIONS = {
    "story_comments", "comments_by_url", "thread", "my_comments", "post_comment", "post_comment_by_url", "report",
    "sign_in", "ignore", "my_ignored", "unignore", "react", "unreact", "story_featured",
}  # fmt: skip
# Every answer can be 500 (logged) and 503 (the database connection dropped: send it again).
ALWAYS = (500, 503)
# Every write can be refused for its page's Origin (403), its size (413) or its body's type (415).
WRITE = (400, 403, 413, 415)
ERRORS: dict[str, tuple[int, ...]] = {
    "story_comments": (400, 404),
    "comments_by_url": (400, 404),
    "thread": (400, 404),
    "story_featured": (400, 404),
    "my_comments": (),
    "post_comment": (*WRITE, 404, 409, 429),
    "post_comment_by_url": (*WRITE, 404, 409, 429),
    "report": (*WRITE, 404, 429),
    "ignore": (*WRITE, 404, 429),
    "react": (*WRITE, 404, 429),
    "appeal": (*WRITE, 404, 429),
    "unreact": (403, 413, 415, 404, 429),
    "my_ignored": (),
    "unignore": (403, 413, 415, 404),
    "push_story": (*WRITE, 401),
    "sign_in": (*WRITE, 401),
    "queue": (400, 401, 403),
    "decide": (*WRITE, 401, 404, 409),
    "commenter": (400, 401, 403),
    "sanction": (*WRITE, 401),
}
WHEN = {
    400: "The request is not valid: `detail` says why, `errors` which fields",
    401: "Not authenticated: no staff token or a wrong one; a signature or sign-in token that does not prove the site",
    403: "Refused: not allowed (comments closed, a banned or suspended address, a permission, an unregistered "
    "site), or a write from a page whose Origin is not this site or a registered site",
    404: "Nothing is found: no such story, comment or thread",
    409: "Conflict: a decision on a comment that changed since it was listed; a token already used for other words",
    413: "The request body is too large",
    415: "The request body is not application/json",
    429: "Too fast: Retry-After says how many seconds to wait",
    500: "Something went wrong on our side; it has been logged",
    503: "The database connection dropped: send the same request again (Retry-After)",
}


def view_name(operation_id: str) -> str:
    """ninja's operation id is the view's module and name: "api_readers_post_comment" -> "post_comment"."""
    for module in ("api_readers_", "api_sites_", "api_staff_"):
        if operation_id.startswith(module):
            return operation_id.removeprefix(module)
    return operation_id


def problem_responses(schema: OpenAPISchema) -> None:
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    problem = {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    reader_header = {
        "description": "The reader's signed session (their own comments, their site's sign-in): send it back with "
        "each request. A client that does not keep it is a new reader on every call.",
        "schema": {"type": "string"},
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            name = view_name(str(operation.get("operationId", "")))
            responses: dict[Any, Any] = operation.setdefault("responses", {})
            for status in sorted({*ERRORS.get(name, (400,)), *ALWAYS}):
                responses.setdefault(
                    status, {"description": WHEN.get(status) or TITLES.get(status, "Error"), "content": problem}
                )
            if name in READER_OPERATIONS:
                operation.setdefault("parameters", []).append(
                    {"name": READER_HEADER, "in": "header", "required": False, **reader_header}
                )
                for status, response in responses.items():
                    if 200 <= int(status) < 300:
                        response.setdefault("headers", {})[READER_HEADER] = reader_header


class NewsroomAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        problem_responses(schema)
        return schema
