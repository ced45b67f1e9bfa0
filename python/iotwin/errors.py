"""Exceptions raised by iotwin. Each carries what a person needs to fix the problem.

``ScenarioError`` points into the scenario file (``file``, ``line``, ``column``, ``field``)
and says how to fix it (``hint``); the same text is its message, as ``iotwin validate``
prints it.
"""

from __future__ import annotations

from typing import Optional


class IotwinError(Exception):
    """Base class of iotwin's errors. ``hint`` says what to do about it."""

    def __init__(self, message: str, *, hint: Optional[str] = None, **attributes: object) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        for name, value in attributes.items():
            setattr(self, name, value)

    def __str__(self) -> str:
        text = self.message
        if self.hint and f"hint: {self.hint}" not in text:
            text += f"\n  = hint: {self.hint}"
        return text


class ScenarioError(IotwinError, ValueError):
    """A scenario that could not be read or is not valid.

    Attributes: ``file``; ``line`` and ``column`` (1-based; None when the file could not be
    read at all); ``field`` (e.g. ``fleets[1].link.loss``; None or empty for the whole
    document); ``hint``; ``source_line`` (the offending line of the file).
    """

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        field: Optional[str] = None,
        hint: Optional[str] = None,
        source_line: Optional[str] = None,
    ) -> None:
        super().__init__(
            message,
            hint=hint,
            file=file,
            line=line,
            column=column,
            field=field,
            source_line=source_line,
        )


class UsageError(IotwinError, ValueError):
    """An argument iotwin cannot use: an unknown mode, a sweep path or limit that does not
    resolve. A sweep path's error also has ``file`` and ``field`` (the path as written)."""


class RunError(IotwinError, RuntimeError):
    """A run that failed. A replication that broke an invariant (a bug) has ``replication``
    and ``seed``, and ``hint`` is the command that reproduces it."""


class StudyTooLarge(IotwinError, MemoryError):
    """A study refused before it started because it would not fit in memory:
    ``needed_bytes``, ``limit_bytes`` and a ``hint`` (flow mode, fewer threads)."""
