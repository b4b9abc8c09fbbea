"""The cyclic garbage collector in a ``gridmap`` process: kept out of its start and its end.

Starting, a command imports its libraries (numpy, scipy, the solvers: some 100,000 objects that
live as long as the process), and the collector, run every few hundred allocations, traverses
them again and again: ~0.1 s of a patrol route on the command line. Ending, the interpreter
collects over all of them once more: ~0.2 s. So :func:`starting` pauses the collector until the
command's work begins (its session opens, see :mod:`gis.cli.session`; the server starts), where
:func:`working` freezes what the imports made (kept for good, never traversed again) and lets the
collector run as usual for the work. :func:`ending` freezes everything as the process exits:
the operating system takes the memory back; atexit and the streams' flush still run.

Only :func:`gis.cli.run`, the process's entry, calls :func:`starting`: where the command line
runs in a process of another's (the tests call ``main``), :func:`working` does nothing.
"""

from __future__ import annotations

import gc

_starting = False


def starting() -> None:
    """The process starts: no cyclic collection until :func:`working`."""
    global _starting
    _starting = True
    gc.disable()


def working() -> None:
    """The command's work begins: what the process made so far is frozen, collection resumes.
    Once per process; nothing unless :func:`starting` paused collection."""
    global _starting
    if _starting:
        _starting = False
        gc.freeze()
        gc.enable()


def ending() -> None:
    """The process ends: no last collection over every object."""
    gc.freeze()
