"""A real simulator process on 127.0.0.1 (``--port 0``), shared by the session and reset before each test."""

from __future__ import annotations

from typing import Iterator

import pytest

from eflo_simulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_STS_ACCESS_KEY_ID, DEMO_STS_ACCESS_KEY_SECRET, DEMO_STS_SECURITY_TOKEN
from eflo_simulator.testing import Sim, start_simulator, stop_simulator

VECTOR_KEY_ID = "YourAccessKeyId"
VECTOR_SECRET = "YourAccessKeySecret"
VECTOR_TOKEN = "YourSecurityToken/+=abc"
TEST_CREDENTIALS = [
    {"access_key_id": DEMO_ACCESS_KEY_ID, "access_key_secret": DEMO_ACCESS_KEY_SECRET},
    {"access_key_id": DEMO_STS_ACCESS_KEY_ID, "access_key_secret": DEMO_STS_ACCESS_KEY_SECRET, "security_token": DEMO_STS_SECURITY_TOKEN},
    {"access_key_id": VECTOR_KEY_ID, "access_key_secret": VECTOR_SECRET},
    {"access_key_id": VECTOR_KEY_ID, "access_key_secret": VECTOR_SECRET, "security_token": VECTOR_TOKEN},
]


@pytest.fixture(scope="session")
def sim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    sim = start_simulator(tmp_path_factory.mktemp("sim"), "--seed", "7", "--quirk-rate", "0", credentials=TEST_CREDENTIALS)
    yield sim
    stop_simulator(sim)


@pytest.fixture
def sim(sim_server: Sim) -> Sim:
    sim_server.control("POST", "/_sim/reset")
    return sim_server
