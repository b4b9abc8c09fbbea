"""Patrol: routes over every street, workers, visits, schedules and what was really walked."""
