"""What a warm process would give the command line: ``gridmap patrol route SLUG --json`` run in a
child forked from a process that has imported everything already, as a preloading daemon would
(Rails' Spring, nailgun for the JVM: the libraries imported once, each command a fresh fork).

    python bench/cli_warm.py SLUG REPEAT

prints the last child's answer on stdout and, as the last line on stderr, a JSON list of each
run's seconds from the fork to the child's exit. Not part of gridmap: it measures how close such
a daemon could come to the API before anyone builds one. A real one would add its client, a
fresh process handing the command over (at least a bare Python's start), which is not counted.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    slug, repeat = sys.argv[1], int(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    gc.disable()
    import gis.cli
    import gis.cli.patrol  # noqa: F401 (the command's own imports, made once here)
    import gis.patrol.outputs  # noqa: F401
    import gis.patrol.routes  # noqa: F401

    gc.freeze()
    gc.enable()
    spent = []
    with tempfile.TemporaryFile() as out:
        for _ in range(repeat):
            out.seek(0)
            out.truncate()
            t = time.perf_counter()
            pid = os.fork()
            if pid == 0:  # the command, as its process would run it, its answer into ``out``
                os.dup2(out.fileno(), 1)
                sys.argv = ["gridmap", "patrol", "route", slug, "--json"]
                code = 0
                try:
                    gis.cli.main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                sys.stdout.flush()
                os._exit(code)
            _, status = os.waitpid(pid, 0)
            spent.append(time.perf_counter() - t)
            if os.waitstatus_to_exitcode(status):
                raise SystemExit(f"the forked command failed: {status}")
        out.seek(0)
        sys.stdout.write(out.read().decode())
    print(json.dumps(spent), file=sys.stderr)


if __name__ == "__main__":
    main()
