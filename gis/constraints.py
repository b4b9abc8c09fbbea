"""What each of the database's own constraints means, in words a user can act on.

The rules written as triggers raise their own messages (``RAISE EXCEPTION`` in gis/sql). The plain
CHECK and UNIQUE constraints do not: PostgreSQL names the constraint and the row. Each is mapped
here to a message; ``tests/test_constraints.py`` lists every constraint of a migrated database and
fails on one without a message, so a new constraint cannot reach a user by its name.
"""

from __future__ import annotations

import re

from gis import limits
from gis.i18n import Message, msg

# Families named by 007_limits.sql and the geometry checks: <table>_<column>_<kind>.
_FAMILY = re.compile(r"^(?P<column>[a-z_]+)_(?P<kind>chars|vertices|points)$")
_GEOMETRY = re.compile(r"^(?P<column>geom|entrances)_(valid|check)$")

# Each plain constraint of gis/sql/*.sql (a check or a unique key) → its message.
MESSAGES: dict[str, Message] = {
    "jurisdiction_admin_code_check": msg("the admin code must be 12 digits (the community's 统计用区划代码)"),
    "jurisdiction_households_check": msg("a jurisdiction's households cannot be negative"),
    "jurisdiction_population_check": msg("a jurisdiction's population cannot be negative"),
    "jurisdiction_metric_srid_check": msg("the jurisdiction's metric CRS must be an EPSG code"),
    "jurisdiction_name_check": msg("a jurisdiction needs a name"),
    "jurisdiction_slug_check": msg("a slug is 2 to 63 lower-case letters, digits, - or _, starting with a letter"),
    "jurisdiction_office_inside": msg("the office must lie inside the jurisdiction"),
    "jurisdiction_slug_key": msg("a jurisdiction with this slug exists already"),
    "jurisdiction_slug_kept": msg("this slug is a name the service keeps for itself (kpi)"),
    "jurisdiction_patrol_known": msg("a jurisdiction's patrol is shared or by_grid"),
    "compound_name_check": msg("a compound needs a name"),
    "grid_code_check": msg("a grid code is 15 digits: the jurisdiction's 12-digit code and a 3-digit number"),
    "grid_target_households_check": msg("a grid's target households must be at least 1"),
    "grid_jurisdiction_id_code_key": msg("a grid with this code exists already"),
    "building_floors_check": msg("a building's floors must be at least 1"),
    "building_households_check": msg("a building's households cannot be negative"),
    "building_residents_check": msg("a building's residents cannot be negative"),
    "building_kind_check": msg("a building's kind must be residential, office, apartment, hotel, mall, public or "
                               "other"),
    "courier_zone_capacity_check": msg("a courier zone's capacity cannot be negative"),
    "courier_zone_name_check": msg("a courier zone needs a name"),
    "post_station_capacity_check": msg("a post station's capacity cannot be negative"),
    "post_station_kind_check": msg("a post station's kind must be building_station, service_centre or parcel_locker"),
    "post_station_name_check": msg("a post station needs a name"),
    "candidate_site_kind_check": msg("a candidate site's kind must be parking, parcel_locker or post_office"),
    "history_op_check": msg("the history records inserts, updates and deletes only"),
    "worker_name_check": msg("a worker needs a name"),
    "worker_role_check": msg("a worker's role must be social_worker, grid_worker, steward_retired, steward_working "
                             "or volunteer"),
    "worker_jurisdiction_id_name_key": msg("a worker of this name exists already in this jurisdiction"),
    "patrol_track_worker_check": msg("a track needs the name of who walked it"),
    "patrol_track_times": msg("a walk cannot end before it began"),
    "patrol_walked_walked_m_check": msg("a distance walked cannot be negative"),
    "visit_kind_check": msg("a visit is small or big"),
    "visit_worker_check": msg("a visit needs the name of who made it"),
    "layout_name_check": msg("a layout needs a name"),
    "layout_status_check": msg("a layout is a draft, published or archived"),
    "layout_target_households_check": msg("the target households per grid must be above 0: if the buildings have no "
                                          "households yet, import the household ledger (gridmap import ledger)"),
    "layout_tolerance_check": msg("the tolerance must be at least 0 and below 1"),
    "layout_grid_target_households_check": msg("a grid's target households must be at least 1"),
    "layout_grid_layout_id_code_key": msg("a grid with this code exists already in the layout"),
    "layout_courier_zone_capacity_check": msg("a courier zone's capacity cannot be negative"),
    "layout_courier_zone_name_check": msg("a courier zone needs a name"),
    "layout_post_station_capacity_check": msg("a post station's capacity cannot be negative"),
    "layout_post_station_kind_check": msg("a post station's kind must be building_station, service_centre or "
                                          "parcel_locker"),
    "layout_post_station_name_check": msg("a post station needs a name"),
    "app_user_check": msg("a worker's account needs a jurisdiction and a grid"),
    "app_user_check1": msg("only a worker's account is tied to one grid"),
    "app_user_grid_code_check": msg("a grid code is 15 digits: the jurisdiction's 12-digit code and a 3-digit number"),
    "app_user_role_check": msg("a role is worker, leader, planner, scheduler, department or admin"),
    "app_user_department_check": msg("a department's account, and only it, needs a jurisdiction and a department"),
    "app_user_username_check": msg("a user name is 2 to 64 letters, digits, _ . @ or -"),
    "app_user_username_key": msg("a user of this name exists already"),
    "api_token_kind_check": msg("a token is a session, a key or a print token"),
    "api_token_token_hash_key": msg("this token exists already"),
    # cases (011_cases.sql)
    "department_code_check": msg("a department's code is 1 to 40 lower-case letters, digits or _, "
                                 "starting with a letter"),
    "department_name_zh_check": msg("a department needs a Chinese name"),
    "department_name_en_check": msg("a department needs an English name"),
    "department_code_key": msg("a department with this code exists already in this jurisdiction"),
    "department_jurisdiction_key": msg("a department belongs to one jurisdiction"),
    "case_category_code_check": msg("a case category's code is 1 to 40 lower-case letters, digits or _, "
                                 "starting with a letter"),
    "case_category_name_zh_check": msg("a case category needs a Chinese name"),
    "case_category_name_en_check": msg("a case category needs an English name"),
    "case_category_response_hours_check": msg("a case category's response time must be at least 1 hour"),
    "case_category_hours_check": msg("a case category's time limits must be at least 1 hour, red no longer than "
                                  "yellow, yellow no longer than blue"),
    "case_category_code_key": msg("a case category with this code exists already in this jurisdiction"),
    "case_category_jurisdiction_key": msg("a case category belongs to one jurisdiction"),
    "case_record_client_id_key": msg("a case with this client_id exists already"),
    "case_record_description_check": msg("a case needs a description of the problem"),
    "case_record_place_check": msg("a case needs a place (a point or a building); only a hotline ticket may "
                                   "wait for one"),
    "case_record_satisfaction_check": msg("satisfaction is satisfied, basically or dissatisfied"),
    "case_record_source_check": msg("a case's source is patrol, hotline, resident or inspection"),
    "case_record_state_check": msg("a case's state is reported, accepted, rejected, dispatched, handled, verified, "
                                "closed or parked"),
    "case_record_ticket_check": msg("a hotline case has a ticket number, and only a hotline case has one"),
    "case_record_ticket_key": msg("a case with this ticket number exists already in this jurisdiction"),
    "case_record_urgency_check": msg("a case's urgency is red, yellow or blue"),
    # what a phone sends (013_field_sync.sql)
    "patrol_track_client_id_key": msg("a track with this client_id exists already"),
    "visit_client_id_key": msg("a check-in with this client_id exists already"),
    # photos (012_case_photos.sql)
    "case_photo_client_id_key": msg("a photo with this client_id exists already"),
    "case_photo_stage_check": msg("a photo is taken before or after the handling"),
    "case_photo_media_type_check": msg("a stored photo is a JPEG or a PNG"),
    "case_photo_width_check": msg("a stored photo is at most 2048 pixels wide"),
    "case_photo_height_check": msg("a stored photo is at most 2048 pixels high"),
    "case_photo_data_check": msg("a stored photo holds between 1 byte and 8 MB"),
}


def message(constraint: str, table: str) -> Message | None:
    """The message of ``table``'s constraint by its name; None for one nobody mapped."""
    if constraint in MESSAGES:
        return MESSAGES[constraint]
    rest = constraint.removeprefix(f"{table}_")
    geometry = _GEOMETRY.match(rest)
    if geometry:
        return msg("{0!r} is empty or not a valid geometry", geometry["column"])
    if constraint.endswith("_day_range"):
        return msg("the day must be between {0} and {1}", limits.EARLIEST_DAY, limits.LATEST_DAY)
    family = _FAMILY.match(rest)
    if family is None:
        return None
    column, kind = family["column"], family["kind"]
    if kind == "chars":
        return msg("{0!r} is longer than {1} characters", column, limits.max_chars(column))
    if kind == "vertices":
        return msg("{0!r} has more than {1} vertices", column, limits.MAX_VERTICES)
    return msg("a track has more than {0} points", limits.MAX_TRACK_POINTS)
