"""What the app needs to serve the desk: its template engine and its static files (no CDN: all served here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ctpo.server.auth import PUBLIC

if TYPE_CHECKING:
    from litestar.router import Router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def template_config(*more: Path) -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja with autoescaping on for every template and undefined names as errors (a typo fails a test).

    ``more`` are further template folders (the public register's) served by the same engine.
    """
    environment = Environment(
        loader=FileSystemLoader([TEMPLATES, *more]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_files_router() -> Router:
    """``/desk/static/…``: the desk's stylesheet and script, public and cacheable for an hour."""
    return create_static_files_router(
        path="/desk/static",
        directories=[STATIC],
        name="desk-static",
        opt=dict(PUBLIC),
        cache_control=CacheControlHeader(max_age=3600),
        include_in_schema=False,
    )
