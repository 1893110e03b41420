-- Lists that do not grow with the table (issue 14): every filter + sort the models list offers is
-- served by an index scan that stops after one page (keyset paging, no exact count). Every sort key
-- ends in "id", the keyset's tie-break; each index serves a sort and its reverse (a backward scan).

-- The training job's name, copied onto the export so the name sort is an index scan instead of a
-- join, a full scan and a sort. Kept by triggers: set on insert and when the job changes, and
-- followed when a job is renamed (an ON DELETE SET NULL also passes through the update trigger).
ALTER TABLE "ModelExport" ADD COLUMN "jobName" TEXT;

UPDATE "ModelExport" e SET "jobName" = j."jobName" FROM "TrainingJob" j WHERE j."id" = e."trainingJobId";

CREATE FUNCTION "ModelExport_set_job_name"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."jobName" := (SELECT j."jobName" FROM "TrainingJob" j WHERE j."id" = NEW."trainingJobId");
  RETURN NEW;
END $$;

CREATE TRIGGER "ModelExport_job_name"
  BEFORE INSERT OR UPDATE OF "trainingJobId", "jobName" ON "ModelExport"
  FOR EACH ROW EXECUTE FUNCTION "ModelExport_set_job_name"();

CREATE FUNCTION "TrainingJob_follow_job_name"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "ModelExport" SET "jobName" = NEW."jobName" WHERE "trainingJobId" = NEW."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "TrainingJob_job_name"
  AFTER UPDATE OF "jobName" ON "TrainingJob"
  FOR EACH ROW WHEN (OLD."jobName" IS DISTINCT FROM NEW."jobName")
  EXECUTE FUNCTION "TrainingJob_follow_job_name"();

-- Sorts (newest/oldest, size, params, age, name), each alone and after the equality filters.
DROP INDEX "ModelExport_exportTimestamp_idx";
DROP INDEX "ModelExport_ageGroupMin_ageGroupMax_idx";
DROP INDEX "ModelExport_trainingJobId_idx";
CREATE INDEX "ModelExport_exportTimestamp_id_idx" ON "ModelExport"("exportTimestamp", "id");
CREATE INDEX "ModelExport_fileSizeBytes_exportTimestamp_id_idx" ON "ModelExport"("fileSizeBytes", "exportTimestamp", "id");
CREATE INDEX "ModelExport_parameterCount_exportTimestamp_id_idx" ON "ModelExport"("parameterCount", "exportTimestamp", "id");
CREATE INDEX "ModelExport_name_sort_idx" ON "ModelExport"("jobName", "ageGroupMin", "exportFormat", "exportTimestamp", "id");
CREATE INDEX "ModelExport_ageGroupMin_ageGroupMax_exportTimestamp_id_idx" ON "ModelExport"("ageGroupMin", "ageGroupMax", "exportTimestamp", "id");
CREATE INDEX "ModelExport_age_size_sort_idx" ON "ModelExport"("ageGroupMin", "ageGroupMax", "fileSizeBytes", "exportTimestamp", "id");
CREATE INDEX "ModelExport_exportFormat_exportTimestamp_id_idx" ON "ModelExport"("exportFormat", "exportTimestamp", "id");
CREATE INDEX "ModelExport_trainingJobId_exportTimestamp_id_idx" ON "ModelExport"("trainingJobId", "exportTimestamp", "id");

-- Rare tags: a partial index holds only the tagged rows, in list order.
CREATE INDEX "ModelExport_age_override_idx" ON "ModelExport"("exportTimestamp", "id") WHERE "ageRangeOverrideReason" IS NOT NULL;

-- Deployed / not deployed / environment, and each row's active deployments: probed per export.
CREATE INDEX "AgeGroupModel_modelExportId_isActive_environment_idx" ON "AgeGroupModel"("modelExportId", "isActive", "environment");
