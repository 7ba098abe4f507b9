-- A database of the first schema version: only m001_initial applied.
-- Made by pipeline/store/database.py as of commit e142386 (before issue 9 renamed the
-- second m002 migration to m003), then dumped with sqlite3's iterdump. Do not regenerate:
-- it stands for databases that already exist.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'thesis','m001_initial','2024-01-01 00:00:00+00:00');
CREATE TABLE "articles" (
   "article_id" TEXT PRIMARY KEY,
   "location" TEXT,
   "title" TEXT,
   "author" TEXT,
   "published" TEXT,
   "published_source" TEXT,
   "source" TEXT,
   "url" TEXT,
   "text" TEXT,
   "raw" TEXT,
   "raw_format" TEXT,
   "ingested_at" TEXT,
   "extractor_version" TEXT
);
INSERT INTO "articles" VALUES('d5c371dbc7433df5','a.txt','T',NULL,'2023-11-28',NULL,NULL,NULL,'IWM could rally 10% by year end.','IWM could rally 10% by year end.','text','2024-01-01T00:00:00+00:00','v1');
CREATE TABLE "claims" (
   "claim_id" TEXT PRIMARY KEY,
   "article_id" TEXT,
   "url" TEXT,
   "title" TEXT,
   "published" TEXT,
   "forecaster" TEXT,
   "forecaster_org" TEXT,
   "forecaster_role" TEXT,
   "subject" TEXT,
   "subject_text" TEXT,
   "kind" TEXT,
   "direction" TEXT,
   "target_low" REAL,
   "target_high" REAL,
   "move_pct" REAL,
   "benchmark" TEXT,
   "ratio" REAL,
   "horizon_start" TEXT,
   "horizon_end" TEXT,
   "horizon_text" TEXT,
   "horizon_assumed" INTEGER,
   "hedge" TEXT,
   "conditional" INTEGER,
   "negated" INTEGER,
   "evidence" TEXT,
   "evidence_start" INTEGER,
   "evidence_end" INTEGER,
   "catalysts" TEXT,
   "risks" TEXT
);
INSERT INTO "claims" VALUES('c1','d5c371dbc7433df5',NULL,'t','2023-11-28','Jane Doe',NULL,'author','IWM','IWM','move','up',NULL,NULL,10.0,NULL,NULL,'2023-11-28','2023-12-28','in the coming month',0,'could',0,0,'IWM could rally 10% by year end.',0,32,'[{"label": "seasonality", "text": "Santa rally"}]','[]');
CREATE TABLE "failures" (
   "failure_id" TEXT PRIMARY KEY,
   "item" TEXT,
   "stage" TEXT,
   "reason" TEXT,
   "at" TEXT
);
CREATE TABLE "outcomes" (
   "claim_id" TEXT PRIMARY KEY,
   "status" TEXT,
   "as_of" TEXT,
   "reason" TEXT,
   "series" TEXT,
   "start_date" TEXT,
   "start_price" REAL,
   "end_date" TEXT,
   "end_price" REAL,
   "return_pct" REAL,
   "benchmark_return_pct" REAL,
   "excess_return_pct" REAL,
   "best_price" REAL,
   "worst_price" REAL,
   "hit_date" TEXT,
   "days_to_hit" INTEGER,
   "decided_at" TEXT
);
INSERT INTO "outcomes" VALUES('c1','hit','2024-01-02','reached','IWM',NULL,180.0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2023-12-14',16,'2024-01-02T00:00:00+00:00');
CREATE TABLE "prices" (
   "symbol" TEXT,
   "date" TEXT,
   "open" REAL,
   "high" REAL,
   "low" REAL,
   "close" REAL,
   "adj_close" REAL,
   "volume" REAL,
   "provider" TEXT,
   PRIMARY KEY ("symbol", "date")
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX "idx_claims_article_id"
    ON "claims" ("article_id");
COMMIT;
