-- Who may use the service: people and machines, their role and where it applies; the tokens
-- they hold (stored as SHA-256, never in clear) and the log of login attempts that throttles
-- password guessing.
CREATE TABLE app_user (
    id              serial PRIMARY KEY,
    username        text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{2,64}$'),
    display_name    text,
    role            text NOT NULL CHECK (role IN ('worker', 'leader', 'planner', 'scheduler', 'admin')),
    -- NULL: every jurisdiction (an admin, or a city-level leader, planner or scheduler).
    jurisdiction_id integer REFERENCES jurisdiction (id) ON DELETE CASCADE,
    -- A grid worker's grid, by code: it survives re-publishing the layout (grids are matched by
    -- code); when the code is gone the worker reads nothing until given another.
    grid_code       text CHECK (grid_code ~ '^[0-9]{15}$'),
    -- argon2id (PHC string). NULL: a machine account, which holds API keys only.
    password_hash   text,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'worker' OR (jurisdiction_id IS NOT NULL AND grid_code IS NOT NULL)),
    CHECK (role = 'worker' OR grid_code IS NULL)
);

CREATE TABLE api_token (
    id              serial PRIMARY KEY,
    user_id         integer NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('session', 'key')),
    label           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

CREATE TABLE login_attempt (
    id              bigserial PRIMARY KEY,
    username        text NOT NULL,
    client          text NOT NULL,
    ok              boolean NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempt_username_idx ON login_attempt (username, at) WHERE NOT ok;
CREATE INDEX login_attempt_client_idx ON login_attempt (client, at) WHERE NOT ok;
