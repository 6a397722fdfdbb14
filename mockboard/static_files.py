"""Static files, served by the ASGI process itself (no separate web server needed)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
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

    def add_files_from_finders(self) -> None:
        # With autorefresh (DEBUG) each request looks its file up through the finders, and the
        # table of every static file that ServeStatic builds here is never read: only the
        # directories files may be served from are. Building it anyway cost every start of
        # the app, and every Django test client, 50 ms.
        if not self.autorefresh:
            super().add_files_from_finders()
            return
        for finder in finders.get_finders():
            for storage in finder.storages.values():
                self.insert_directory(storage.location, self.static_prefix)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """collectstatic's names with their hash (and compressed copies), which ServeStatic serves
    as cacheable for ever. A file collectstatic has not seen (it has not been run yet) keeps
    its plain name, rather than failing every page that names it."""

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            return name
