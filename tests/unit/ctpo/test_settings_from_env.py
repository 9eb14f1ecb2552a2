"""``Settings.from_env`` builds (a field read twice once stopped ``ctpo serve`` at start) and reads every setting.

Each default is written once, on its field: an empty environment gives exactly the dataclass defaults, and every
field's variable is listed in the README.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
from pathlib import Path

import pytest

from ctpo.lib.settings import (
    MailSecurity,
    MailSettings,
    PublicationSettings,
    Settings,
    TaskBackend,
    TaskSettings,
    env_names,
)
from tests.support import REPO


def test_from_env_reads_mail_and_registration_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _clear_environment(monkeypatch)
    for name, value in {
        "CTPO_DATA_DIR": str(tmp_path),
        "CTPO_SECRET_KEY": "k" * 40,
        "CTPO_PUBLIC_URL": "https://ctpo.example",
        "CTPO_STAFF_EMAIL_DOMAINS": "ctpo.int, kazpatent.kz",
        "CTPO_REGISTER_MAX_PER_EMAIL": "7",
        "CTPO_MAIL_HOST": "smtp.example",
        "CTPO_MAIL_SECURITY": "SSL",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert settings.server.public_url == "https://ctpo.example"
    assert settings.registration.staff_email_domains == ("ctpo.int", "kazpatent.kz")
    assert settings.registration.register_max_per_email == 7
    assert (settings.mail.host, settings.mail.security, settings.mail.outbox_dir) == (
        "smtp.example",
        "ssl",
        tmp_path / "outbox",
    )


def test_embedding_backend_is_an_enum_member_and_a_wrong_one_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from search.embedding_backend import DEFAULT_BACKEND, EmbeddingBackend  # noqa: PLC0415

    monkeypatch.setenv("CTPO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CTPO_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("CTPO_EMBEDDING_BACKEND", raising=False)
    assert Settings.from_env().search.embedding_backend is DEFAULT_BACKEND
    for member in EmbeddingBackend:
        monkeypatch.setenv("CTPO_EMBEDDING_BACKEND", f" {member.value.upper()} ")
        assert Settings.from_env().search.embedding_backend is member
    monkeypatch.setenv("CTPO_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match=r"CTPO_EMBEDDING_BACKEND must be one of torch, .*openvino.*'tensorflow'"):
        Settings.from_env()


def _clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CTPO_"):
            monkeypatch.delenv(name)


def test_an_empty_environment_gives_the_dataclass_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _clear_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env()
    assert settings == Settings()
    assert settings.data_dir == tmp_path / "var"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'ctpo.sqlite3'}"
    assert (settings.storage_dir, settings.mail.outbox_dir, settings.search.model_dir) == (
        tmp_path / "var" / "documents",
        tmp_path / "var" / "outbox",
        tmp_path / "var",
    )
    assert settings.auth.secret_key == (tmp_path / "var" / "secret_key").read_text(encoding="utf-8").strip()


def test_every_variable_is_read_into_its_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """One value per variable, unlike its default, comes back in the field ``env_names`` maps it to."""
    _clear_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    defaults = Settings()
    given: dict[str, object] = {}
    for path, name in env_names().items():
        value = _attribute(defaults, path)
        text, expected = _unlike(value, tmp_path / path)
        monkeypatch.setenv(name, text)
        given[path] = expected
    settings = Settings.from_env()
    assert {path: _attribute(settings, path) for path in given} == given


def _attribute(settings: Settings, path: str) -> object:
    value: object = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _unlike(value: object, path: Path) -> tuple[str, object]:
    """A variable's text for a value other than ``value``, and the value it reads as."""
    if isinstance(value, bool):
        return ("0", False) if value else ("yes", True)
    if isinstance(value, int):
        return (str(value + 1), value + 1) if value < 6 else (str(value - 1), value - 1)
    if isinstance(value, float):
        return str(value + 0.5), value + 0.5
    if isinstance(value, tuple):
        return " a.example , b.example ", ("a.example", "b.example")
    if isinstance(value, enum.Enum):
        other = next(m for m in type(value) if m is not value)
        return f" {other.value.upper()} ", other
    if isinstance(value, Path):
        return str(path), path
    if path.name == "database_url":
        return "postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"
    return f"x-{path.name}", f"x-{path.name}"


def test_every_variable_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(CTPO_[A-Z_]+)`", readme))
    assert set(env_names().values()) - documented == set()


def test_a_wrong_value_names_its_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _clear_environment(monkeypatch)
    monkeypatch.setenv("CTPO_DATA_DIR", str(tmp_path))
    for name, value, message in [
        ("CTPO_MAIL_PORT", "smtp", "CTPO_MAIL_PORT must be a whole number, not 'smtp'"),
        ("CTPO_JOB_POLL_SECONDS", "soon", "CTPO_JOB_POLL_SECONDS must be a number, not 'soon'"),
        ("CTPO_MAIL_SECURITY", "tls1", "CTPO_MAIL_SECURITY must be one of starttls, ssl, none, not 'tls1'"),
        ("CTPO_TASK_BACKEND", "rq", "CTPO_TASK_BACKEND must be one of inprocess, celery, not 'rq'"),
        ("CTPO_BULLETIN_WEEKDAY", "7", "CTPO_BULLETIN_WEEKDAY must be 0 (Monday) to 6 (Sunday)"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=re.escape(message)):
            Settings.from_env()
        monkeypatch.delenv(name)


def test_settings_built_in_code_are_held_to_the_same_choices():
    assert TaskSettings(task_backend="celery").task_backend is TaskBackend.CELERY  # type: ignore[arg-type]
    assert dataclasses.replace(MailSettings(), security="ssl").security is MailSecurity.SSL  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CTPO_MAIL_SECURITY must be one of"):
        MailSettings(security="tls")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CTPO_BULLETIN_WEEKDAY"):
        PublicationSettings(bulletin_weekday=-1)
