DROP TABLE IF EXISTS exports;
DROP TABLE IF EXISTS summaries;
DROP TABLE IF EXISTS score_items;
DROP TABLE IF EXISTS score_snapshots;
DROP TABLE IF EXISTS scoring_indicators;
DROP TABLE IF EXISTS scoring_schemes;
