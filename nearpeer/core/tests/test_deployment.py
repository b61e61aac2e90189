"""Production configuration: the documented variables pass Django's deployment checks."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from nearpeer.core import db
from nearpeer.members.models import User

DOCS = Path(settings.BASE_DIR) / "docs" / "configuration.md"
SETTINGS = Path(settings.BASE_DIR) / "nearpeer" / "settings.py"
PLACEHOLDERS = {
    "<at least 50 random characters>": secrets.token_urlsafe(60),
    "<password>": "s3cret-for-tests",
}


def documented_production_env() -> dict[str, str]:
    text = DOCS.read_text()
    block = re.search(r"<!-- production-env -->\n```sh\n(.*?)```", text, re.S).group(1)
    env = {}
    for line in block.strip().splitlines():
        name, value = line.split("=", 1)
        for placeholder, replacement in PLACEHOLDERS.items():
            value = value.replace(placeholder, replacement)
        env[name] = value
    return env


def run_deploy_check(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """A fresh interpreter with only these variables, as a production server would start."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "NEARPEER_VAR_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "nearpeer.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_documented_production_variables_pass_check_deploy(tmp_path):
    result = run_deploy_check(documented_production_env(), tmp_path)

    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    ), result.stderr


def test_check_deploy_fails_without_https(tmp_path):
    env = documented_production_env()
    del env["NEARPEER_HTTPS"]

    result = run_deploy_check(env, tmp_path)

    assert result.returncode == 1
    assert sorted(set(re.findall(r"security\.W\d+", result.stderr))) == [
        "security.W008",
        "security.W012",
        "security.W016",
    ]


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = documented_production_env()
    del env["SECRET_KEY"]

    result = run_deploy_check(env, tmp_path)

    assert "SECRET_KEY must be set when NEARPEER_DEBUG is off." in result.stderr


def test_every_environment_variable_is_documented():
    source = SETTINGS.read_text()
    read = set(
        re.findall(r'(?:environ(?:\.get)?[\(\[]|env_bool\(|env_list\()"([A-Z0-9_]+)"', source)
    )
    documented = set(re.findall(r"`([A-Z0-9_]+)`", DOCS.read_text()))

    assert len(read) > 20
    assert sorted(read - documented) == []


def test_reads_use_primary_unless_a_replica_is_asked_for(monkeypatch):
    router = db.ReplicaRouter()
    monkeypatch.setattr(db, "replica_aliases", lambda: ["replica1"])

    outside = router.db_for_read(User)
    with db.use_replica():
        inside = router.db_for_read(User)
        write = router.db_for_write(User)

    assert (outside, inside, write) == ("default", "replica1", "default")


def test_use_replica_without_replicas_reads_primary():
    with db.use_replica():
        assert db.ReplicaRouter().db_for_read(User) == "default"


@pytest.mark.parametrize("alias", ["default", "replica1"])
def test_only_primary_is_migrated(alias):
    assert db.ReplicaRouter().allow_migrate(alias, "members") is (alias == "default")
