import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from mockboard import env


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("YES", True), ("off", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG", not expected) is expected


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (lambda: env.env_bool("X", False), "maybe", "X must be one of true/false"),
        (lambda: env.env_int("X", 1), "ten", "X must be a whole number"),
        (lambda: env.env_int("X", 1, minimum=0), "-3", "X must be at least 0"),
        (lambda: env.env_list("X", []), "a,,b", "X has an empty item"),
        (lambda: env.env_url("X", ("redis",)), "localhost:6379", "X must start with one of redis://"),
        (lambda: env.env_url("X", ("postgres",)), "mysql://db/x", "X must start with one of postgres://"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(monkeypatch, reader, raw, message):
    monkeypatch.setenv("X", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()


def run_manage(*args, **env_vars):
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    environment.update(env_vars)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7#kd0-very-long-random-production-secret-key-with-entropy-91adf3",
        ALLOWED_HOSTS="mockboard.example.com",
        CSRF_TRUSTED_ORIGINS="https://mockboard.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#kd0-very-long-random-production-secret-key-with-entropy-91adf3",
    "ALLOWED_HOSTS": "testserver",
}
# What a browser gets from a production process: the sign-in page over HTTP, then over HTTPS.
BROWSER_VIEW = """
import json
from django.conf import settings
from django.test import Client
plain = Client().get("/accounts/login/")
page = Client().get("/accounts/login/", secure=True)
print(json.dumps({
    "redirect": [plain.status_code, plain.get("Location")],
    "headers": dict(page.headers),
    "csrf cookie secure": bool(page.cookies["csrftoken"]["secure"]),
    "session cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
}))
"""


def test_a_production_page_carries_the_headers_that_protect_it():
    result = run_manage("shell", "--no-imports", "-c", BROWSER_VIEW, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["redirect"] == [301, "https://testserver/accounts/login/"]
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self' 'wasm-unsafe-eval';" in headers["Content-Security-Policy"]
    assert seen["csrf cookie secure"] is True
    assert seen["session cookie"] == [True, True]


def test_production_without_secret_key_refuses_to_start():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="mockboard.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_redis_url_switches_channels_and_celery_to_redis():
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings as s; print(s.CHANNEL_LAYERS['default']['BACKEND'], s.CELERY_BROKER_URL)",
        REDIS_URL="redis://127.0.0.1:6390/3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["channels_redis.pubsub.RedisPubSubChannelLayer", "redis://127.0.0.1:6390/3"]


@pytest.mark.parametrize(
    ("layer", "redis", "outcome"),
    [
        ("redis", "redis://127.0.0.1:6390/3", "channels_redis.core.RedisChannelLayer"),
        ("memory", "redis://127.0.0.1:6390/3", "channels.layers.InMemoryChannelLayer"),
        ("redis", "", "MOCKBOARD_CHANNEL_LAYER=redis needs REDIS_URL"),
        ("kafka", "", "MOCKBOARD_CHANNEL_LAYER must be one of pubsub, redis, memory"),
    ],
)
def test_the_channel_layer_can_be_chosen(layer, redis, outcome):
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings as s; print(s.CHANNEL_LAYERS['default']['BACKEND'])",
        MOCKBOARD_CHANNEL_LAYER=layer,
        REDIS_URL=redis,
    )
    assert outcome in (result.stdout if result.returncode == 0 else result.stderr)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/api/docs/"])
def test_every_page_forbids_inline_script_and_loads_none(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    # WebAssembly may be compiled (the room's Graphviz); nothing may be eval'ed or inlined.
    assert "script-src 'self' 'wasm-unsafe-eval';" in policy
    assert "'unsafe-eval'" not in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    page = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.findall(r"<style\b|\sstyle=|\son[a-z]+=", page) == []
