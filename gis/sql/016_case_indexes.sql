-- Cases at city scale (bench/cases_bench.py: 1,000,000 cases, 5.8 million steps on 2,000
-- communities). The city's numbers by community (case_kpi_by_jurisdiction.sql) read a month of
-- every community's cases: by when they were received, not a jurisdiction at a time, so an index
-- on reported_at alone (else the whole table is scanned); and for each case its steps' states up
-- to a moment, which an index holding to_state answers without reading the events themselves (an
-- index-only scan). It replaces case_event_case_idx: the same key, one more column carried.
CREATE INDEX case_record_reported_at_idx ON case_record (reported_at);
CREATE INDEX case_event_case_state_idx ON case_event (case_id, at, id) INCLUDE (to_state);
DROP INDEX case_event_case_idx;
