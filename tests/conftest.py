"""Shared fixtures: the official artefacts are installed (verified) once per session.

Every test's output is scanned for personal data (tests/personal_data.py): what pytest
captures (stdout, stderr, log records at all levels), every CliRunner.invoke's output and
what a test hands to tests.helpers.record_output. A personnummer, samordningsnummer or date
of birth there fails the test."""
from __future__ import annotations

import itertools

import pytest

from tests import servers

from tests.personal_data import PersonalDataScan


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("personal-data-scan"):
        config.pluginmanager.register(PersonalDataScan(), "personal-data-scan")


@pytest.fixture(scope="session", autouse=True)
def no_entered_rates(tmp_path_factory):
    """The rates entered with `lssinvoice rates set` are the user's: tests read none (a test
    that enters some points LSSINVOICE_RATES at its own file)."""
    import os

    os.environ["LSSINVOICE_RATES"] = str(tmp_path_factory.mktemp("rates") / "rates.toml")


@pytest.fixture(autouse=True)
def own_series_index(tmp_path, monkeypatch):
    """Each test its own index of number series (invoices.series_index): tests that make the
    same example provider's invoices in different folders are different installations."""
    monkeypatch.setenv("LSSINVOICE_SERIES_INDEX", str(tmp_path / "series-index.json"))


@pytest.fixture(scope="session", autouse=True)
def installed_artefacts():
    from schemas import artefacts

    if hasattr(artefacts, "install"):
        artefacts.install()
    return artefacts.artefacts_dir()


# Real servers on 127.0.0.1 (tests/servers.py), one of each per session, for every test file.

@pytest.fixture(scope="session")
def postgres():
    pg = servers.start_postgres()
    yield pg
    pg.stop()


_DATABASES = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    """A store's URL: a SQLite file of the test's own, and a fresh database on the session's
    PostgreSQL server (a test using it runs on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ingest.db'}"
    return request.getfixturevalue("postgres").create_database(f"store{next(_DATABASES)}")


@pytest.fixture(scope="session", params=["moto", "rclone"])
def s3(request):
    """Each S3 test runs against both real servers: moto (the reference emulator) and rclone
    (the one the benchmark uses)."""
    server = servers.start_s3(request.param)
    yield server
    server.stop()
