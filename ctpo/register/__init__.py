"""The public register: published applications and patents, their documents and legal status, no login."""

from __future__ import annotations

from pathlib import Path

from ctpo.register.controllers import RegisterController

TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = ["TEMPLATES", "RegisterController"]
