"""Static files, served by the ASGI process itself (no separate web server needed)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotFound
from servestatic.middleware import ServeStaticMiddleware
from servestatic.responders import MissingFileError
from servestatic.storage import CompressedManifestStaticFilesStorage


class StaticFilesMiddleware(ServeStaticMiddleware):
    """ServeStatic, but a file missing under STATIC_URL is a 404 whatever DEBUG says: with DEBUG
    on, ServeStatic raises instead (a 500 page) to point at the typo; the 404 says it as well."""

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            return await super().__call__(request)
        except MissingFileError as error:
            return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """collectstatic's names with their hash (and compressed copies), which ServeStatic serves
    as cacheable for ever. A file collectstatic has not seen (it has not been run yet) keeps
    its plain name, rather than failing every page that names it."""

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            return name
