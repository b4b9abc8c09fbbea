"""How much one input may hold: every limit of gridmap's inputs, in one place.

The edges (the API, the command line, the importers) check these and refuse what is over them
with a message that names the limit. Those that are rules of the data (text lengths, vertices,
track points, days) are kept by the database too (``sql/007_limits.sql``, as the functions
``gridmap_limit_*()``), so that no client, QGIS or psql included, can store more; a test checks
that the two agree. Changing one of those is a new migration as well as an edit here.

The limits are generous for real data and small enough that no single input can make the
service slow or its pages heavy:

- a geometry of 10,000 vertices is a community boundary traced at 1 m along 10 km; the embedded
  datasets and OSM buildings have well under 1,000;
- a name of 200 characters is longer than any place or person name (Chinese addresses with
  building and unit run to 40); a note of 2,000 characters is a page of text;
- 20,000 track points are 5½ hours of walking logged every second (a patrol is 1–3 hours);
- the days gridmap records and plans lie in 2000–2099: grid management (网格化管理) began in
  2004, and a date outside that range is a typing error, not a plan.

The work one request may start is bounded by settings instead, since it depends on the machine
(``gis/settings_fields.py``, ``api/heavy.py``): heavy jobs at once in the service and per user
(``GRIDMAP_HEAVY_JOBS_MAX``, 2; ``GRIDMAP_HEAVY_JOBS_PER_USER``, 1), the solvers' time limit
(``GRIDMAP_SOLVER_TIME_LIMIT_S``, 20 s) and the size of a siting model
(``GRIDMAP_SITING_PAIRS_MAX``, 200,000 building–site pairs; its walking distances are capped at
``gis.coverage.planning.COST_MATRIX_MAX``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from gis.errors import InvalidInput
from gis.i18n import msg

# Vertices of one feature's geometry (ST_NPoints: a ring's closing point counts).
MAX_VERTICES = 10_000
# Characters of names and other short text (names, leaders, operators, hours, worker names).
MAX_NAME_CHARS = 200
# Characters of notes (a check-in's note, a compound's governance).
MAX_NOTE_CHARS = 2_000
# Features in one request (a FeatureCollection written or compared), and check-ins in one request.
MAX_FEATURES_PER_REQUEST = 5_000
# Rows of a ticket (or feedback) file uploaded to the API: a busy community's year of 12345
# tickets; each becomes a case, ~3 ms each in one transaction. The command line takes any file.
MAX_TICKET_ROWS = 5_000
# Events of one iCalendar schedule (a patrol or a visit each): a year of ten workers' days is
# ~3,000; writing one takes ~0.3 ms (the icalendar package).
MAX_CALENDAR_EVENTS = 5_000
# Candidate sites given in one siting request.
MAX_CANDIDATE_SITES = 2_000
# Points of one GPS track.
MAX_TRACK_POINTS = 20_000
# Points of the walks in one batch from a phone, in all (one long walk fills a batch): matching
# them takes about a second.
MAX_BATCH_FIXES = MAX_TRACK_POINTS
# Workers planned for together (a shared route, a schedule).
MAX_WORKERS = 50
# The days gridmap accepts (tracks, check-ins, schedules, "as of" days).
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
# A database id (PostgreSQL integer): ids above it exist nowhere.
MAX_ID = 2_147_483_647
# The offset of a page of features.
MAX_OFFSET = 1_000_000_000
# A facility's capacity in households, for siting.
MAX_CAPACITY = 1_000_000
# A walking distance asked about (coverage thresholds, siting's "within"), and how many at once.
MAX_DISTANCE_M = 10_000
# Bytes a workbook (.xlsx, .ods) holds unzipped: a year of a street's 12345 tickets, each with a
# long complaint, is ~30 MB; a few hundred kilobytes zipped can unzip to gigabytes.
MAX_WORKBOOK_BYTES = 64 * 1024 * 1024
MAX_THRESHOLDS = 10

NUL = "\x00"
# Text properties holding notes rather than names (a case's description, handling and reason too).
NOTE_FIELDS = frozenset({"note", "governance", "description", "handling", "reason"})


def max_chars(field: str) -> int:
    """The most characters a text property called ``field`` may hold."""
    return MAX_NOTE_CHARS if field in NOTE_FIELDS else MAX_NAME_CHARS


def check_text(value: str | None, what: str, field: str = "name") -> None:
    """Refuse text longer than a ``field``'s limit, or holding NUL; ``what`` names it."""
    if value is None:
        return
    if NUL in value:
        raise InvalidInput(msg("{0} cannot contain the NUL character (U+0000)", what))
    if len(value) > max_chars(field):
        raise InvalidInput(msg("{0} is longer than {1} characters", what, max_chars(field)))


# Characters a name may not hold: those that are not seen — controls, and the format characters
# that turn text around (U+202E showed 周敏（2olr_kta） for atk_rlo2) or hide in it (王芳 and 王芳
# with a zero-width space were two workers who read as one) — and, in a person's name, the comma
# that joins names in a list (a worker 'a,b' was two walkers on the printed routes, one on the phones).
UNSEEN = ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")


def check_name(value: str, what: str, *, listed: bool = False) -> None:
    """Refuse a name holding a character that is not seen (or, ``listed``: a comma); ``what`` names it."""
    import unicodedata

    for ch in value:
        if unicodedata.category(ch) in UNSEEN:
            code = f"U+{ord(ch):04X}"
            raise InvalidInput(msg("{0} has a character that is not seen ({1}): a name is read by people, "
                                   "each of its characters seen", what, code))
    if listed and "," in value:
        raise InvalidInput(msg("{0} has a comma: names are listed with commas (write ，or a space)", what))


def check_day(day: date, what: str = "day") -> date:
    """Refuse a day outside the range gridmap accepts (2000-01-01 to 2099-12-31)."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(msg("{0} must be between {1} and {2}, got {3}", what, EARLIEST_DAY, LATEST_DAY, day))
    return day


def latest_recorded_day(today: date | None = None) -> date:
    """The last day a track or a check-in may be dated: tomorrow (a phone's clock may run ahead
    of the server's across midnight), never a day that has not come."""
    return min((today or date.today()) + timedelta(days=1), LATEST_DAY)


def nul_paths(value: Any, where: str = "body") -> list[str]:
    """Where a parsed JSON value holds the NUL character, which text in the database cannot:
    ``body.features[0].properties.name``, each key or string that has one."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, str):
            if NUL in v:
                found.append(path)
        elif isinstance(v, dict):
            for k, item in v.items():
                key = str(k)
                if NUL in key:
                    found.append(f"{path} (a key)")
                stack.append((f"{path}.{key.replace(NUL, '?')}", item))
        elif isinstance(v, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(v))
    return sorted(found)


# The database's copies of the limits, for the test that they agree (see sql/007_limits.sql).
IN_DATABASE = {"gridmap_limit_vertices": MAX_VERTICES, "gridmap_limit_name_chars": MAX_NAME_CHARS,
               "gridmap_limit_note_chars": MAX_NOTE_CHARS, "gridmap_limit_track_points": MAX_TRACK_POINTS,
               "gridmap_limit_earliest_day": EARLIEST_DAY, "gridmap_limit_latest_day": LATEST_DAY}
