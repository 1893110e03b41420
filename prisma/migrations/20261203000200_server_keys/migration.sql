-- Share-link signing keys in the database (issue 15): every server of one database signs and
-- verifies with the same keys, rotation adds a generation, and backups carry them. A data
-- directory's old `secret` file is imported as generation 1 on first use (lib/auth/server-keys.ts).
CREATE TABLE "ServerKey" (
    "id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "secret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMP(3),

    CONSTRAINT "ServerKey_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ServerKey_purpose_generation_key" ON "ServerKey"("purpose", "generation");
