-- A building's address (门牌, e.g. "东三环北路甲1号"): what tickets, 12345 calls and household
-- ledgers (台账) name a building by, besides its name. Short text, limited like the other names.
ALTER TABLE building ADD COLUMN address text;
ALTER TABLE building ADD CONSTRAINT building_address_chars
    CHECK (char_length(address) <= gridmap_limit_name_chars());
