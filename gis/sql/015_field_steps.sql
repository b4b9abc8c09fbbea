-- A step a grid worker's phone takes on a case (marking it handled, offline perhaps) carries the
-- phone's client_id, like everything else the phone records: sent again (a retried sync, an
-- answer lost on a bad connection), the step is not taken twice and is answered as the first
-- time. One row per step taken from a phone; the step itself is in case_event as any other.
CREATE TABLE case_step_receipt (
    client_id   uuid PRIMARY KEY,
    case_id     integer NOT NULL REFERENCES case_record (id) ON DELETE CASCADE,
    to_state    text NOT NULL,
    actor       text NOT NULL DEFAULT gridmap_actor(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_step_receipt_case ON case_step_receipt (case_id);
