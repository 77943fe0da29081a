"""Shared fixtures of pyNN.nmemu's tests: the backend, set up afresh for each test, and the PyNN sources."""

import os

import pytest


@pytest.fixture
def sim():
    """pyNN.nmemu after setup() at a 1 ms timestep on SpiNNaker; end() afterwards."""
    if not os.environ.get("NMEMU_BIN"):
        pytest.fail("NMEMU_BIN is not set: python/run-tests.sh sets it to the binary it builds")
    import pyNN.nmemu as sim

    sim.setup(timestep=1.0)
    yield sim
    sim.end()


@pytest.fixture
def pynn_sources():
    """The unpacked PyNN 0.13.0 source distribution (python/tests/pynn_sources.py fetches it)."""
    path = os.environ.get("PYNN_SOURCES")
    if not path or not os.path.isdir(path):
        pytest.fail("PYNN_SOURCES is not set to the fetched PyNN sources: python/run-tests.sh sets it")
    return path
