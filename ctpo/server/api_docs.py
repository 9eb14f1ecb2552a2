"""Swagger UI and ReDoc served from this machine: their builds come from an installed wheel, not from a CDN.

An office network often has no way out, and a page that pulls its scripts from a CDN is blank there (a first-time
user found ``/schema/swagger`` and ``/schema/redoc`` empty offline). The ``drf-spectacular-sidecar`` wheel ships
self-contained builds of both (``swagger-ui-dist`` and ``redoc``, with their licences); ``pip`` installs it with the
service and ``/schema/static/…`` serves its files, so the docs render wherever the API answers. The wheel is a
Django app only in name: its files are read, its code is never imported by the service.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from ctpo.server.auth import PUBLIC

if TYPE_CHECKING:
    from litestar.openapi.plugins import OpenAPIRenderPlugin
    from litestar.router import Router

ASSETS_PATH = "/schema/static"
"""Where the docs' scripts and styles are served (public, like the schema itself)."""
FAVICON = "<link rel='icon' href='data:,'>"
"""No icon request at all (Litestar's default fetches its logo from a CDN)."""


def asset_directory() -> Path:
    """The installed wheel's static folder, found without importing the package.

    Raises:
        RuntimeError: the wheel is not installed (``pip install -e .`` installs it).
    """
    spec = importlib.util.find_spec("drf_spectacular_sidecar")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("drf-spectacular-sidecar is not installed; it ships the API docs' scripts")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "drf_spectacular_sidecar"


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI at ``/schema/swagger`` and ReDoc at ``/schema/redoc``, both on the local assets."""
    swagger = f"{ASSETS_PATH}/swagger-ui-dist"
    return [
        SwaggerRenderPlugin(
            js_url=f"{swagger}/swagger-ui-bundle.js",
            css_url=f"{swagger}/swagger-ui.css",
            standalone_preset_js_url=f"{swagger}/swagger-ui-standalone-preset.js",
            favicon=FAVICON,
        ),
        RedocRenderPlugin(
            path="/redoc",
            js_url=f"{ASSETS_PATH}/redoc/bundles/redoc.standalone.js",
            google_fonts=False,
            favicon=FAVICON,
        ),
    ]


def assets_router() -> Router:
    """``/schema/static/…``: the docs' scripts and styles, public and cacheable for a day."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[asset_directory()],
        name="api-docs-static",
        opt=dict(PUBLIC),
        cache_control=CacheControlHeader(max_age=86400),
        include_in_schema=False,
    )
