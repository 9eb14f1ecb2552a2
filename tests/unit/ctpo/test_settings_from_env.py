"""``Settings.from_env`` builds (a field read twice once stopped ``ctpo serve`` at start) and reads #12's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctpo.lib.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_from_env_reads_mail_and_registration_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
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
    assert settings.public_url == "https://ctpo.example"
    assert settings.staff_email_domains == ("ctpo.int", "kazpatent.kz")
    assert settings.register_max_per_email == 7
    assert (settings.mail.host, settings.mail.security, settings.mail.outbox_dir) == (
        "smtp.example",
        "ssl",
        tmp_path / "outbox",
    )


def test_embedding_backend_is_an_enum_member_and_a_wrong_one_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import pytest  # noqa: PLC0415 - the module imports it only for typing

    from search.embedding_backend import DEFAULT_BACKEND, EmbeddingBackend  # noqa: PLC0415

    monkeypatch.setenv("CTPO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CTPO_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("CTPO_EMBEDDING_BACKEND", raising=False)
    assert Settings.from_env().embedding_backend is DEFAULT_BACKEND
    for member in EmbeddingBackend:
        monkeypatch.setenv("CTPO_EMBEDDING_BACKEND", f" {member.value.upper()} ")
        assert Settings.from_env().embedding_backend is member
    monkeypatch.setenv("CTPO_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match=r"CTPO_EMBEDDING_BACKEND must be one of torch, .*openvino.*'tensorflow'"):
        Settings.from_env()
