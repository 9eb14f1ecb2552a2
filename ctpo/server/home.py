"""``GET /``: a page for people who open the service's address, pointing to what they can use there.

A first-time user who opened the root got a JSON 404. The page is public, in the browser's language (the desk's
catalogs), and lists the public register, the examiner's desk, the API documentation and the machine-readable
schema.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from ctpo.desk.controllers import SECURITY_HEADERS, language_of
from ctpo.desk.i18n import Translator
from ctpo.server.auth import PUBLIC

LINKS: tuple[tuple[str, str], ...] = (
    ("/register", "home.register"),
    ("/desk", "home.desk"),
    ("/schema/swagger", "home.swagger"),
    ("/schema/redoc", "home.redoc"),
    ("/schema/openapi.json", "home.openapi"),
    ("/health/ready", "home.health"),
)
"""Where to go from the root, each with the catalog key of its description."""


@get("/", opt=dict(PUBLIC), include_in_schema=False, name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    """The service's front page (HTML)."""
    lang = language_of(request)
    return Template(
        template_name="home.html",
        context={"t": Translator(lang), "lang": lang, "links": LINKS},
        headers=SECURITY_HEADERS,
    )
