# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""One exception hierarchy for the workflow, mapped once to HTTP statuses by the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflows.states import ApplicationState


class WorkflowError(Exception):
    """Base of every refusal by the workflow; nothing was changed when it is raised."""


class IllegalTransition(WorkflowError):  # noqa: N818 - names fixed by the service contract
    """The action is not possible from the current state (HTTP 409 with the actions allowed now)."""

    def __init__(self, action: str, state: ApplicationState, allowed: tuple[str, ...]) -> None:
        listed = ", ".join(allowed) or "-"
        super().__init__(f"{action!r} is not possible in state {state.value!r}; allowed now: {listed}")
        self.action = action
        self.state = state
        self.allowed = allowed
        """What this actor may do instead, so the client can offer it."""


class Forbidden(WorkflowError):  # noqa: N818 - names fixed by the service contract
    """The actor's role, office or examiner claim does not permit the action (HTTP 403)."""


class GuardFailed(WorkflowError):  # noqa: N818 - names fixed by the service contract
    """A condition of the transition does not hold now (HTTP 409), e.g. the text to grant is not yet published."""

    def __init__(self, guard: str, message: str) -> None:
        super().__init__(message)
        self.guard = guard
        """Name of the failing guard, stable for clients."""


class DeadlinePassed(GuardFailed):
    """The act came after its time limit; only re-establishment of rights can help (HTTP 409)."""


class InvalidPayload(WorkflowError):  # noqa: N818 - names fixed by the service contract
    """The transition's payload is malformed (HTTP 422)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field
        """Where in the payload, e.g. ``citations[0].category``; empty for the payload as a whole."""


class StaleSnapshotError(WorkflowError):
    """The application changed since it was loaded (optimistic lock on ``version``); reload and decide again."""
