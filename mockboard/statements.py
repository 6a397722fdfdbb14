"""Hot-path SQL, written once and run by either of two drivers.

A hot path (a participant's diagram op) is a generator that yields `Statement`s and receives
each one's first row. `run` executes it on Django's connection, inside the caller's
transaction: REST, tests and SQLite use it. On PostgreSQL, the WebSocket consumer uses
`run_async` instead, on a small psycopg pool in the server's event loop: no hop to a worker
thread and back for every op, which cost more CPU than the op itself (bench/README.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from channels.db import DatabaseSyncToAsync
from django.db import DEFAULT_DB_ALIAS, connections, transaction

Result = TypeVar("Result")
Statements = Generator["Statement", Any, Result]

# Connections per server process for run_async; the op itself holds one for a few ms.
POOL_SIZE = 4


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list
    # Whether the generator is sent the statement's first row (None when there is none).
    fetch: bool = False


def run(statements: Statements[Result]) -> Result:
    """Run the statements on Django's connection, in the caller's transaction."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        return _drive(statements, lambda s: cursor.execute(s.sql, s.params), cursor.fetchone)


def _drive(statements: Statements[Result], execute, fetchone) -> Result:
    row = None
    try:
        while True:
            statement = statements.send(row)
            execute(statement)
            row = fetchone() if statement.fetch else None
    except StopIteration as done:
        return done.value


def async_available() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def database_sync_to_async(function):
    """Run `function` (which uses the database) in a worker thread. Not in Channels' default
    single shared thread: that queues every room's queries behind one another, and under
    load (100 rooms, 200 ops/s) latency grew without bound."""
    return DatabaseSyncToAsync(function, thread_sensitive=False)


async def run_atomic(statements: Statements[Result]) -> Result:
    """Run the statements in a transaction of their own: in this event loop on PostgreSQL,
    otherwise in a worker thread on Django's connection."""
    if async_available():
        return await run_async(statements)
    return await database_sync_to_async(_run_atomic)(statements)


def _run_atomic(statements: Statements[Result]) -> Result:
    with transaction.atomic():
        return run(statements)


async def run_async(statements: Statements[Result]) -> Result:
    """Run the statements in one transaction of their own, committed on return and rolled
    back if the generator raises (PostgreSQL only)."""
    pool = await _pool()
    async with pool.connection() as connection, connection.cursor() as cursor:
        row = None
        try:
            while True:
                statement = statements.send(row)
                await cursor.execute(statement.sql, statement.params)
                row = await cursor.fetchone() if statement.fetch else None
        except StopIteration as done:
            return done.value


# One pool per event loop: a pool's connections belong to the loop that opened them. A
# server has one loop; a test's loop closes its pool itself (close_pools).
_pools: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


async def _pool():
    loop = asyncio.get_running_loop()
    if loop not in _pools:
        # A task, so that ops arriving while the pool opens wait for the same one.
        _pools[loop] = loop.create_task(_open_pool())
    return await _pools[loop]


async def _open_pool():
    from psycopg_pool import AsyncConnectionPool

    database = connections[DEFAULT_DB_ALIAS]
    # Django's own connection parameters (its adapters too: JSON read as text, as its fields
    # expect), but psycopg's async cursor.
    params = {key: value for key, value in database.get_connection_params().items() if key != "cursor_factory"}
    pool = AsyncConnectionPool(
        kwargs=params,
        min_size=1,
        max_size=POOL_SIZE,
        open=False,
        check=AsyncConnectionPool.check_connection if database.settings_dict["CONN_HEALTH_CHECKS"] else None,
    )
    await pool.open()
    return pool


async def close_pools() -> None:
    """Close this event loop's pool (a server shutting down, a test's loop ending)."""
    opening = _pools.pop(asyncio.get_running_loop(), None)
    if opening is not None:
        await (await opening).close()
