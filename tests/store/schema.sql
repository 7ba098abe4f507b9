CREATE TRIGGER articles_insert_report_change after insert on articles when new.revision_of is not null begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select claim_id from claims where article_id = new.revision_of); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select claim_id from claims where article_id = new.revision_of) where claim_id not in (select claim_id from report_changes); end;
CREATE TRIGGER articles_revision_report_change after update of revision_of on articles begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select claim_id from claims where article_id = old.revision_of); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select claim_id from claims where article_id = old.revision_of) where claim_id not in (select claim_id from report_changes); update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select claim_id from claims where article_id = new.revision_of); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select claim_id from claims where article_id = new.revision_of) where claim_id not in (select claim_id from report_changes); end;
CREATE TRIGGER articles_update_report_change after update of text, fingerprint, duplicate_of, revision_of on articles begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select claim_id from claims where article_id = new.article_id); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select claim_id from claims where article_id = new.article_id) where claim_id not in (select claim_id from report_changes); end;
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
, "published_inferred" TEXT, "published_inferred_from" TEXT, "duplicate_of" TEXT, "duplicate_reason" TEXT, "fingerprint" TEXT, "language" TEXT, "skip_reason" TEXT, "updated" TEXT, "revision_of" TEXT);
CREATE INDEX "idx_articles_duplicate_of"
    ON "articles" ("duplicate_of");
CREATE INDEX "idx_articles_revision_of"
    ON "articles" ("revision_of");
CREATE TRIGGER claims_delete_report_change after delete on claims begin delete from report_changes where claim_id = old.claim_id; end;
CREATE TRIGGER claims_insert_report_change after insert on claims begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select new.claim_id as claim_id); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select new.claim_id as claim_id) where claim_id not in (select claim_id from report_changes); end;
CREATE TRIGGER claims_update_report_change after update on claims begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select new.claim_id as claim_id); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select new.claim_id as claim_id) where claim_id not in (select claim_id from report_changes); end;
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
, "rating" TEXT, "previous_rating" TEXT, "previous_target" REAL, "action" TEXT, "consensus" INTEGER, "withdrawn_by" TEXT);
CREATE INDEX "idx_claims_article_id"
    ON "claims" ("article_id");
CREATE INDEX "idx_claims_subject_benchmark"
    ON "claims" ("subject", "benchmark");
CREATE TABLE "dedupe_keys" (
   "seq" INTEGER PRIMARY KEY,
   "article_id" TEXT NOT NULL,
   "location" TEXT NOT NULL,
   "url_key" TEXT,
   "signature" BLOB
);
CREATE UNIQUE INDEX "idx_dedupe_keys_article_id"
    ON "dedupe_keys" ("article_id");
CREATE INDEX "idx_dedupe_keys_location"
    ON "dedupe_keys" ("location");
CREATE INDEX "idx_dedupe_keys_url_key"
    ON "dedupe_keys" ("url_key");
CREATE TABLE "duplicates" (
   "item" TEXT PRIMARY KEY,
   "duplicate_of" TEXT,
   "kind" TEXT,
   "reason" TEXT,
   "at" TEXT
);
CREATE TABLE "failures" (
   "failure_id" TEXT PRIMARY KEY,
   "item" TEXT,
   "stage" TEXT,
   "reason" TEXT,
   "at" TEXT
, "input_digest" TEXT);
CREATE INDEX "idx_failures_stage_input_digest"
    ON "failures" ("stage", "input_digest");
CREATE TABLE "link_queue" (
   "source" TEXT,
   "url" TEXT,
   "title" TEXT,
   "author" TEXT,
   "published" TEXT,
   "lastmod" TEXT,
   "position" INTEGER,
   "queued_at" TEXT,
   PRIMARY KEY ("source", "url")
);
CREATE INDEX "idx_link_queue_url"
    ON "link_queue" ("url");
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE "minhash_bands" (
   "band" INTEGER NOT NULL,
   "seq" INTEGER NOT NULL,
   PRIMARY KEY ("band", "seq")
) WITHOUT ROWID;
CREATE TABLE "outcome_history" (
   "disagreement_id" TEXT PRIMARY KEY,
   "claim_id" TEXT,
   "stored_status" TEXT,
   "stored_as_of" TEXT,
   "stored_digest" TEXT,
   "regrade_status" TEXT,
   "regrade_as_of" TEXT,
   "regrade_digest" TEXT,
   "regrade_provider" TEXT,
   "regrade_reason" TEXT,
   "recorded_at" TEXT
);
CREATE TRIGGER outcomes_delete_report_change after delete on outcomes begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select old.claim_id as claim_id); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select old.claim_id as claim_id) where claim_id not in (select claim_id from report_changes); end;
CREATE TRIGGER outcomes_insert_report_change after insert on outcomes begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select new.claim_id as claim_id); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select new.claim_id as claim_id) where claim_id not in (select claim_id from report_changes); end;
CREATE TRIGGER outcomes_update_report_change after update on outcomes begin update report_changes set seq = (select coalesce(max(seq), 0) + 1 from report_changes) where claim_id in (select new.claim_id as claim_id); insert into report_changes (claim_id, seq) select claim_id, (select coalesce(max(seq), 0) + 1 from report_changes) from (select new.claim_id as claim_id) where claim_id not in (select claim_id from report_changes); end;
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
, "level" REAL, "benchmark_series" TEXT, "drift_pct" REAL, "net_return_pct" REAL, "net_status" TEXT, "provider" TEXT, "prices_digest" TEXT);
CREATE INDEX "idx_outcomes_status_net_status"
    ON "outcomes" ("status", "net_status");
CREATE TABLE "pages" (
   "url" TEXT PRIMARY KEY,
   "final_url" TEXT,
   "status" INTEGER,
   "content_type" TEXT,
   "etag" TEXT,
   "last_modified" TEXT,
   "fetched_at" TEXT,
   "body" BLOB
);
CREATE TABLE "price_checks" (
   "symbol" TEXT,
   "provider" TEXT,
   "checked_on" TEXT,
   "last_date" TEXT,
   PRIMARY KEY ("symbol", "provider")
);
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
CREATE TABLE "report_changes" (
   "claim_id" TEXT PRIMARY KEY,
   "seq" INTEGER NOT NULL
);
CREATE INDEX "idx_report_changes_seq"
    ON "report_changes" ("seq");
CREATE TABLE "splits" (
   "symbol" TEXT,
   "date" TEXT,
   "ratio" REAL,
   "provider" TEXT,
   PRIMARY KEY ("symbol", "date")
);
