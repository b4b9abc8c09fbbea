-- How a jurisdiction's daily walkers share its streets (the field app's route and the schedule):
-- 'shared' (华贸中心社区's 走动式: the walkers share the whole jurisdiction, routes rotating among
-- them day by day) or 'by_grid' (网格员 each walk their own grid; walkers of one grid share its
-- streets, those with no grid share the whole jurisdiction).
ALTER TABLE jurisdiction ADD COLUMN patrol text NOT NULL DEFAULT 'shared'
    CONSTRAINT jurisdiction_patrol_known CHECK (patrol IN ('shared', 'by_grid'));
