import gc

import pytest
from django.db import models

from interview.models import Room

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda pk: Room.objects.with_related().get(pk=pk), id="select_related"),
        pytest.param(lambda pk: Room.objects.get(pk=pk).diagram, id="room.diagram"),
        pytest.param(lambda pk: Room.objects.seats().get(pk=pk).diagram, id="seats, then room.diagram"),
    ],
)
def test_a_room_read_with_its_diagram_is_freed_without_the_garbage_collector(joined_room, read):
    # A room and its diagram caching each other kept the room, its users and the whole graph
    # alive until a collection, whose pauses stop every room on the process (bench/README.md).
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        read(joined_room.pk)
        gc.collect()
        left_to_the_collector = [type(o).__name__ for o in gc.garbage if isinstance(o, models.Model)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left_to_the_collector == []


def test_the_diagram_still_finds_its_room(joined_room):
    diagram = Room.objects.with_related().get(pk=joined_room.pk).diagram
    assert diagram.room.pk == joined_room.pk
