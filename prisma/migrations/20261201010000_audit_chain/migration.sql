-- Tamper-evident audit trail: each event carries the SHA-256 of the previous event's hash and its
-- own content (lib/registry/audit-chain.ts computes it; SQL cannot reproduce its canonical JSON).

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "hash" CHAR(64),
ADD COLUMN     "prevHash" CHAR(64);

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "lastId" INTEGER,
    "lastHash" CHAR(64) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "legacyThrough" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditChainHead_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "AuditChainHead_one_row" CHECK ("id" = 1)
);

-- No row yet: the first append creates it (a restore needs every table empty before it loads an
-- archive). Events written before this migration are then chained in id order, from genesis.
