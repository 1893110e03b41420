-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('viewer', 'reviewer', 'deployer', 'admin');

-- CreateEnum
CREATE TYPE "TrainingEnvironment" AS ENUM ('local', 'sagemaker', 'external');

-- CreateEnum
CREATE TYPE "TrainingStatus" AS ENUM ('pending', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "ExportFormat" AS ENUM ('onnx', 'pytorch', 'pickle', 'safetensors');

-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('active', 'backup', 'retired', 'undeployed');

-- CreateEnum
CREATE TYPE "RequestState" AS ENUM ('draft', 'open', 'approved', 'rejected', 'withdrawn', 'deployed', 'failed');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('approve', 'request_changes', 'reject');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "passwordHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabledAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userAgent" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Artifact" (
    "sha256" CHAR(64) NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "mediaType" TEXT NOT NULL,
    "originalName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,

    CONSTRAINT "Artifact_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "TrainingJob" (
    "id" SERIAL NOT NULL,
    "jobName" TEXT NOT NULL,
    "environment" "TrainingEnvironment" NOT NULL DEFAULT 'local',
    "configParameters" JSONB NOT NULL DEFAULT '{}',
    "datasetPath" TEXT,
    "status" "TrainingStatus" NOT NULL DEFAULT 'pending',
    "startTimestamp" TIMESTAMP(3),
    "endTimestamp" TIMESTAMP(3),
    "sagemakerJobArn" TEXT,
    "checkpointSha256" CHAR(64),
    "validationSha256" CHAR(64),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingReport" (
    "id" SERIAL NOT NULL,
    "trainingJobId" INTEGER NOT NULL,
    "finalLoss" DOUBLE PRECISION NOT NULL,
    "validationAccuracy" DOUBLE PRECISION,
    "bestEpoch" INTEGER,
    "trainingTimeSeconds" DOUBLE PRECISION,
    "modelParametersSha256" CHAR(64),
    "metricsSummary" JSONB NOT NULL DEFAULT '{}',
    "reportFilePath" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModelExport" (
    "id" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "exportTimestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "trainingJobId" INTEGER,
    "modelType" TEXT NOT NULL DEFAULT 'autoencoder',
    "modelVersion" TEXT NOT NULL,
    "architectureHash" TEXT NOT NULL,
    "parameterCount" INTEGER NOT NULL,
    "inputDimension" INTEGER NOT NULL,
    "outputDimension" INTEGER NOT NULL,
    "ageGroupMin" DOUBLE PRECISION NOT NULL,
    "ageGroupMax" DOUBLE PRECISION NOT NULL,
    "trainingMetrics" JSONB NOT NULL DEFAULT '{}',
    "compatibilityVersion" TEXT NOT NULL,
    "exportFormat" "ExportFormat" NOT NULL,
    "fileSizeBytes" BIGINT NOT NULL,
    "checksum" CHAR(64) NOT NULL,
    "architecture" JSONB NOT NULL,
    "sourceChecksum" CHAR(64),
    "notes" JSONB NOT NULL DEFAULT '[]',
    "createdById" TEXT,

    CONSTRAINT "ModelExport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ValidationRun" (
    "id" TEXT NOT NULL,
    "modelExportId" TEXT NOT NULL,
    "artifactSha256" CHAR(64) NOT NULL,
    "isValid" BOOLEAN NOT NULL,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "compatibilityChecks" JSONB NOT NULL DEFAULT '{}',
    "integrityChecks" JSONB NOT NULL DEFAULT '{}',
    "performanceChecks" JSONB NOT NULL DEFAULT '{}',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ValidationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgeGroupModel" (
    "id" SERIAL NOT NULL,
    "ageMin" DOUBLE PRECISION NOT NULL,
    "ageMax" DOUBLE PRECISION NOT NULL,
    "environment" TEXT NOT NULL DEFAULT 'production',
    "modelType" TEXT NOT NULL DEFAULT 'autoencoder',
    "visionModel" TEXT NOT NULL DEFAULT 'drawing-embedding-832',
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "sampleCount" INTEGER NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "createdTimestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "status" "DeploymentStatus" NOT NULL DEFAULT 'active',
    "modelExportId" TEXT NOT NULL,
    "artifactSha256" CHAR(64) NOT NULL,
    "deployedById" TEXT,
    "replacedId" INTEGER,
    "undeployedAt" TIMESTAMP(3),
    "undeployedById" TEXT,
    "breakGlassReason" TEXT,
    "requestId" TEXT,

    CONSTRAINT "AgeGroupModel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeploymentRequest" (
    "id" TEXT NOT NULL,
    "modelExportId" TEXT NOT NULL,
    "requesterId" TEXT NOT NULL,
    "state" "RequestState" NOT NULL DEFAULT 'draft',
    "environment" TEXT NOT NULL DEFAULT 'production',
    "ageGroupMin" DOUBLE PRECISION NOT NULL,
    "ageGroupMax" DOUBLE PRECISION NOT NULL,
    "replaceExisting" BOOLEAN NOT NULL DEFAULT false,
    "validateBeforeDeployment" BOOLEAN NOT NULL DEFAULT true,
    "backupExisting" BOOLEAN NOT NULL DEFAULT true,
    "rationale" TEXT NOT NULL DEFAULT '',
    "artifactSha256" CHAR(64) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeploymentRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Review" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "decision" "ReviewDecision" NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "artifactSha256" CHAR(64) NOT NULL,
    "validationRunId" TEXT,
    "previewSummary" JSONB,
    "lapsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Review_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "TrainingJob_status_idx" ON "TrainingJob"("status");

-- CreateIndex
CREATE INDEX "TrainingJob_createdAt_idx" ON "TrainingJob"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingReport_trainingJobId_key" ON "TrainingReport"("trainingJobId");

-- CreateIndex
CREATE UNIQUE INDEX "ModelExport_modelId_key" ON "ModelExport"("modelId");

-- CreateIndex
CREATE INDEX "ModelExport_exportTimestamp_idx" ON "ModelExport"("exportTimestamp");

-- CreateIndex
CREATE INDEX "ModelExport_ageGroupMin_ageGroupMax_idx" ON "ModelExport"("ageGroupMin", "ageGroupMax");

-- CreateIndex
CREATE INDEX "ModelExport_trainingJobId_idx" ON "ModelExport"("trainingJobId");

-- CreateIndex
CREATE INDEX "ValidationRun_modelExportId_createdAt_idx" ON "ValidationRun"("modelExportId", "createdAt");

-- CreateIndex
CREATE INDEX "AgeGroupModel_environment_ageMin_ageMax_idx" ON "AgeGroupModel"("environment", "ageMin", "ageMax");

-- CreateIndex
CREATE INDEX "DeploymentRequest_state_createdAt_idx" ON "DeploymentRequest"("state", "createdAt");

-- CreateIndex
CREATE INDEX "Review_requestId_idx" ON "Review"("requestId");

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_idx" ON "AuditEvent"("actorId");

-- CreateIndex
CREATE INDEX "AuditEvent_action_idx" ON "AuditEvent"("action");

-- CreateIndex
CREATE INDEX "AuditEvent_subjectType_subjectId_idx" ON "AuditEvent"("subjectType", "subjectId");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_checkpointSha256_fkey" FOREIGN KEY ("checkpointSha256") REFERENCES "Artifact"("sha256") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_validationSha256_fkey" FOREIGN KEY ("validationSha256") REFERENCES "Artifact"("sha256") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingReport" ADD CONSTRAINT "TrainingReport_trainingJobId_fkey" FOREIGN KEY ("trainingJobId") REFERENCES "TrainingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingReport" ADD CONSTRAINT "TrainingReport_modelParametersSha256_fkey" FOREIGN KEY ("modelParametersSha256") REFERENCES "Artifact"("sha256") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelExport" ADD CONSTRAINT "ModelExport_trainingJobId_fkey" FOREIGN KEY ("trainingJobId") REFERENCES "TrainingJob"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelExport" ADD CONSTRAINT "ModelExport_checksum_fkey" FOREIGN KEY ("checksum") REFERENCES "Artifact"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelExport" ADD CONSTRAINT "ModelExport_sourceChecksum_fkey" FOREIGN KEY ("sourceChecksum") REFERENCES "Artifact"("sha256") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelExport" ADD CONSTRAINT "ModelExport_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ValidationRun" ADD CONSTRAINT "ValidationRun_modelExportId_fkey" FOREIGN KEY ("modelExportId") REFERENCES "ModelExport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ValidationRun" ADD CONSTRAINT "ValidationRun_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_modelExportId_fkey" FOREIGN KEY ("modelExportId") REFERENCES "ModelExport"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_deployedById_fkey" FOREIGN KEY ("deployedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_replacedId_fkey" FOREIGN KEY ("replacedId") REFERENCES "AgeGroupModel"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_undeployedById_fkey" FOREIGN KEY ("undeployedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeploymentRequest"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentRequest" ADD CONSTRAINT "DeploymentRequest_modelExportId_fkey" FOREIGN KEY ("modelExportId") REFERENCES "ModelExport"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentRequest" ADD CONSTRAINT "DeploymentRequest_requesterId_fkey" FOREIGN KEY ("requesterId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "DeploymentRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_validationRunId_fkey" FOREIGN KEY ("validationRunId") REFERENCES "ValidationRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Invariants the database enforces (not expressible in schema.prisma) --------------------------

-- At most one active model per age range and environment.
CREATE UNIQUE INDEX "AgeGroupModel_one_active_per_range"
  ON "AgeGroupModel" ("environment", "ageMin", "ageMax") WHERE "isActive";

-- isActive and status never disagree.
ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_active_status"
  CHECK ("isActive" = ("status" = 'active'));

ALTER TABLE "AgeGroupModel" ADD CONSTRAINT "AgeGroupModel_age_range"
  CHECK ("ageMin" >= 2 AND "ageMin" < "ageMax" AND "ageMax" <= 18);

ALTER TABLE "ModelExport" ADD CONSTRAINT "ModelExport_age_range"
  CHECK ("ageGroupMin" >= 2 AND "ageGroupMin" < "ageGroupMax" AND "ageGroupMax" <= 18);

ALTER TABLE "DeploymentRequest" ADD CONSTRAINT "DeploymentRequest_age_range"
  CHECK ("ageGroupMin" >= 2 AND "ageGroupMin" < "ageGroupMax" AND "ageGroupMax" <= 18);

ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_sha256_hex" CHECK ("sha256" ~ '^[0-9a-f]{64}$');
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_size" CHECK ("sizeBytes" >= 0);
