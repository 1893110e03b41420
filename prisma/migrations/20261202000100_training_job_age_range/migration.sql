-- A training job records the age range it was trained for; an export for another range keeps the
-- exporter's reason and the job's range. Existing jobs take theirs from config_parameters where it
-- names a valid one (2 <= min < max <= 18), else stay unknown.
ALTER TABLE "TrainingJob" ADD COLUMN "ageGroupMin" DOUBLE PRECISION;
ALTER TABLE "TrainingJob" ADD COLUMN "ageGroupMax" DOUBLE PRECISION;
ALTER TABLE "ModelExport" ADD COLUMN "ageRangeOverrideReason" TEXT;
ALTER TABLE "ModelExport" ADD COLUMN "jobAgeGroupMin" DOUBLE PRECISION;
ALTER TABLE "ModelExport" ADD COLUMN "jobAgeGroupMax" DOUBLE PRECISION;

UPDATE "TrainingJob" AS j
SET "ageGroupMin" = r.lo, "ageGroupMax" = r.hi
FROM (
  SELECT "id",
         ("configParameters"->>'age_group_min')::DOUBLE PRECISION AS lo,
         ("configParameters"->>'age_group_max')::DOUBLE PRECISION AS hi
  FROM "TrainingJob"
  WHERE jsonb_typeof("configParameters"->'age_group_min') = 'number'
    AND jsonb_typeof("configParameters"->'age_group_max') = 'number'
) AS r
WHERE j."id" = r."id" AND r.lo >= 2 AND r.hi <= 18 AND r.lo < r.hi;
