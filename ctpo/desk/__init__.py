"""The examiner's desk: server-rendered pages under ``/desk`` over the API's services and permissions."""

from __future__ import annotations

from ctpo.desk.config import static_files_router, template_config
from ctpo.desk.controllers import DeskController

__all__ = ["DeskController", "static_files_router", "template_config"]
