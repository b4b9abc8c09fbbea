"""Domain errors. No HTTP here: ``api/errors.py`` maps each class to a status code."""

from __future__ import annotations

from collections.abc import Sequence

from gis.i18n import Message


class GridmapError(Exception):
    """Base class: a problem the user can act on, with a message that names it.

    Parameters
    ----------
    message
        One sentence for the user, marked with :func:`gis.i18n.msg` (a plain string is a type error:
        it could not be translated).
    problems
        Every individual problem found, when there are several (all are reported at once).
    """

    def __init__(self, message: Message, problems: Sequence[Message] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class InvalidInput(GridmapError):
    """Input that cannot be accepted (malformed, wrong type, outside, ...)."""


class NotFound(GridmapError):
    """A layer, jurisdiction or feature that does not exist."""


class Conflict(GridmapError):
    """The write would clash with what is stored (duplicate, rule of the database)."""


class StaleVersion(GridmapError):
    """The client's version (If-Match) is not the stored one."""

    def __init__(self, message: Message, current_version: int | None) -> None:
        super().__init__(message)
        self.current_version = current_version


class PreconditionRequired(GridmapError):
    """A write that must say which version it replaces did not."""


class UnreadableFile(InvalidInput):
    """A corrupt, truncated or unsupported file."""


class DatabaseUnavailable(GridmapError):
    """The database cannot be reached."""


class FileTooLarge(GridmapError):
    """An uploaded file (a photo) over its documented size limit (413)."""


class ProblemTooLarge(InvalidInput):
    """An optimisation too large to solve in the time and memory a request may take (422): its
    message names the sizes and the limit, and what to make smaller."""


class RetryLater(GridmapError):
    """Refused for now, not for good (too many heavy jobs, too many failed sign-ins): try again in
    ``retry_after_s`` seconds (the Retry-After of the answer)."""

    def __init__(self, message: Message, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyJobsError(RetryLater):
    """The caller already runs as many heavy jobs as one user may (429)."""


class ServiceBusyError(RetryLater):
    """The service runs as many heavy jobs as it may (503)."""


class MalformedRequest(GridmapError):
    """A request whose form is wrong (a header, a parameter's syntax): 400."""
