-- The delivery log keeps a classified error and the attempt's duration; the receiver's body is
-- no longer stored, so excerpts written before this migration are cleared.
ALTER TABLE "WebhookDelivery" ADD COLUMN "lastErrorCode" TEXT;
ALTER TABLE "WebhookDelivery" ADD COLUMN "lastDurationMs" INTEGER;
UPDATE "WebhookDelivery" SET "lastError" = regexp_replace("lastError", '^(HTTP [0-9]{3}):.*$', '\1') WHERE "lastError" LIKE 'HTTP %:%';
