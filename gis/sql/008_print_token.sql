-- A print token: issued to the print browser for one print, on behalf of the user who asked for
-- it; it lives a minute, may only read (GET), and is revoked when the print is done. The user's
-- own session token never leaves the service.
ALTER TABLE api_token DROP CONSTRAINT api_token_kind_check;
ALTER TABLE api_token ADD CONSTRAINT api_token_kind_check CHECK (kind IN ('session', 'key', 'print'));
