-- Model cards: one row per saved version of an export's Markdown card. The unique (export, version)
-- pair is what makes two concurrent saves on top of the same version fail instead of both landing.
CREATE TABLE "ModelCard" (
    "id" TEXT NOT NULL,
    "modelExportId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "markdown" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "copiedFromId" TEXT,

    CONSTRAINT "ModelCard_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ModelCard_version_check" CHECK ("version" >= 1),
    CONSTRAINT "ModelCard_markdown_length_check" CHECK (char_length("markdown") <= 20000)
);

CREATE UNIQUE INDEX "ModelCard_modelExportId_version_key" ON "ModelCard"("modelExportId", "version");

ALTER TABLE "ModelCard" ADD CONSTRAINT "ModelCard_modelExportId_fkey" FOREIGN KEY ("modelExportId") REFERENCES "ModelExport"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ModelCard" ADD CONSTRAINT "ModelCard_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
