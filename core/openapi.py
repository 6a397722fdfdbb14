"""The OpenAPI schema says every answer the API can give, errors included, so that a client
generated from it (and schemathesis, in the tests) can rely on it."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Why a request was refused: `detail` about the request as a whole, or, for bad input,
    the messages under each field that is wrong (`title`, `rubric[2].levels`); `code` names
    the kind of error (`invalid`, `forbidden`, `not_authenticated`, `conflict`...)."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField()


ERRORS = {
    "400": "Bad input: the body names each field that is wrong.",
    "401": "Not signed in: send a session cookie or `Authorization: Token <key>`.",
    "403": "Signed in, but this is not yours to see or do.",
    "404": "No such object, or not one you may see.",
    "415": "The body is not in a media type the API reads (JSON, form or multipart).",
}


class AutoSchema(SpectacularAutoSchema):
    """Adds the error answers every operation can give to the ones each view declares."""

    def _error_codes(self) -> list[str]:
        codes = []
        if self.method != "GET":
            codes.append("400")  # services refuse what the room's state does not allow
        if self._get_request_body() is not None:
            codes.append("415")
        if self.view.get_permissions():
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        return codes

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        # Error answers a view declares by description alone (409 "seat taken") get the body too.
        codes = set(self._error_codes()) | {code for code in responses if code.startswith("4")}
        for code in sorted(codes):
            declared = responses.get(code, {})
            if "content" not in declared:
                description = declared.get("description") or ERRORS[code]
                error = OpenApiResponse(response=ErrorSerializer, description=description)
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses


def close_response_objects(result: dict, generator, request, public) -> dict:
    """Mark every object that only ever comes back in a response `additionalProperties:
    false`: a client may then tell the interviewer's room from the candidate's (a `oneOf`
    of the two would otherwise match both), and a field we add without documenting it
    fails the schema tests."""
    components = result.get("components", {}).get("schemas", {})
    in_requests = _referenced(
        [operation.get("requestBody", {}) for path in result["paths"].values() for operation in path.values()],
        components,
    )
    for name, schema in components.items():
        # Error stays open: its messages for each wrong field are properties of their own.
        if name not in in_requests and name != "Error" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    return result


def _referenced(roots: list, components: dict) -> set[str]:
    """The component names reachable from `roots`, following `$ref`s through components."""
    found: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in found:
                    found.add(name)
                    stack.append(components.get(name, {}))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found
