"""Headers every response gets from one place: caching of private data, content sniffing, downloads sandboxed.

- ``Cache-Control: no-store`` on every answer to a request that carries credentials (a bearer token or the desk's
  session cookie): those are the only answers that can hold unpublished files, and a shared or browser cache must
  not keep them. A handler that set its own ``Cache-Control`` keeps it only on anonymous requests.
- ``X-Content-Type-Options: nosniff`` on every response: a browser renders a body as what it is declared to be.
- ``Content-Security-Policy: sandbox; default-src 'none'`` on attachments (document downloads): an uploaded file
  opened in a browser runs no script, loads nothing and cannot reach the service's origin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

CREDENTIAL_COOKIES = (b"ctpo_desk_session=",)
DOWNLOAD_CSP = b"sandbox; default-src 'none'"


def _has_credentials(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        name = key.lower()
        if name == b"authorization" and value.strip():
            return True
        if name == b"cookie" and any(cookie in value for cookie in CREDENTIAL_COOKIES):
            return True
    return False


def secure_response_headers(app: ASGIApp) -> ASGIApp:
    """ASGI middleware adding the headers above to each response's start."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        private = _has_credentials(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if not (private and k.lower() == b"cache-control")
                ]
                names = {k.lower() for k, _ in headers}
                if private:
                    headers.append((b"cache-control", b"no-store"))
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                disposition = next((v for k, v in headers if k.lower() == b"content-disposition"), b"")
                if disposition.lower().startswith(b"attachment") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DOWNLOAD_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def outermost_response_headers(app_config: AppConfig) -> AppConfig:
    """``on_app_init`` hook: the headers middleware outside every other one, so errors of any layer get them too."""
    app_config.middleware.insert(0, secure_response_headers)
    return app_config
