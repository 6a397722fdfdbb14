import pytest

from tests import servers


@pytest.fixture(autouse=True)
def settled_servers(transactional_db):
    yield
    servers.wait_for_disconnects()
