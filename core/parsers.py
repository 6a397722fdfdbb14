"""How the REST API reads request bodies."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from core.text import MAX_JSON_DEPTH, json_problem


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested too deep, or holding text no database stores, is a
    400 that says where: DRF's own answers a 5,000-deep body with a RecursionError (a 500),
    and PostgreSQL a lone surrogate with an encoding error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels") from None
        if found := json_problem(data):
            field, message = found
            raise ValidationError({field: [message]})
        return data
