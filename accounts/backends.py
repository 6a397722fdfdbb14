"""Sign-in throttling, for the sign-in page and the API's token endpoint alike.

After SIGN_IN_FAILURES_ALLOWED wrong passwords for one username, that username cannot sign in
at all until SIGN_IN_LOCKOUT_SECONDS after the first of them: guessing a password at five
tries a quarter of an hour takes years, while its owner waits minutes at worst. The counts
live in Django's cache, which is Redis (shared by every web process) when REDIS_URL is set.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


def _failures_key(username: str) -> str:
    # Hashed: usernames are free text, and cache keys are not.
    return "sign-in-failures:" + hashlib.sha256(username.casefold().encode()).hexdigest()


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        key = _failures_key(username)
        if self._failures(key) >= settings.SIGN_IN_FAILURES_ALLOWED:
            # Ends authenticate() at once: the password is not even checked.
            raise PermissionDenied("too many failed sign-ins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # add() starts the window only on the first failure; incr() keeps its expiry.
            if cache.add(key, 1, timeout=settings.SIGN_IN_LOCKOUT_SECONDS):
                cache.set(f"{key}:since", time.time(), timeout=settings.SIGN_IN_LOCKOUT_SECONDS)
            else:
                cache.incr(key)
        else:
            cache.delete_many([key, f"{key}:since"])
        return user

    @staticmethod
    def _failures(key: str) -> int:
        """The failures counted in the window that is still open. The window ends by the clock
        as well as by the cache's expiry, which is the same moment (the clock is what the
        tests move, time-machine, as they cannot move Redis's)."""
        found = cache.get_many([key, f"{key}:since"])
        since = found.get(f"{key}:since")
        if since is not None and time.time() >= since + settings.SIGN_IN_LOCKOUT_SECONDS:
            cache.delete_many([key, f"{key}:since"])
            return 0
        return found.get(key, 0)
