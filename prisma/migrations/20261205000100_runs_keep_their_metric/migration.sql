-- Runs stored before the notebook-quirk options were scored with category-and-name tag identity, half-even weight
-- rounding and no dropped categories: write those choices into their options, so that re-reading them (the
-- leaderboard, resumption) does not take them for runs under today's notebook defaults.
UPDATE "Run"
SET options = options || '{"tagIdentity": "category", "weightRounding": "halfEven", "dropCategories": []}'::jsonb
WHERE jsonb_typeof(options) = 'object' AND NOT (options ? 'tagIdentity');
