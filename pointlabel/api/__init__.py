"""The HTTP JSON API (/api/v1) of a served dataset: routes (a Flask blueprint), body
validation (schema: fuzzable parse_* functions), and its OpenAPI document (openapi)."""
from pointlabel.api.routes import MAX_BODY, PREFIX, api_blueprint, register_api  # noqa: F401
