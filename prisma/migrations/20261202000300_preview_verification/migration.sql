-- A preview summary records the server's verification: onnxruntime-node recomputed its numbers on
-- the same artifact and validation set. Summaries attached before this stay unverified (NULL).
ALTER TABLE "PreviewSummary" ADD COLUMN "verifiedAt" TIMESTAMP(3);
ALTER TABLE "PreviewSummary" ADD COLUMN "backend" TEXT;
ALTER TABLE "PreviewSummary" ADD COLUMN "validationSetSha256" CHAR(64);
ALTER TABLE "PreviewSummary" ADD COLUMN "verification" JSONB;
