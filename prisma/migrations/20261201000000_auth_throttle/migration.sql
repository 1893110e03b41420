-- Sign-in and API-token throttling (issue 10): failure counts per account and client address,
-- shared by every server process.
CREATE TABLE "AuthThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lastAttemptAt" TIMESTAMP(3) NOT NULL,
    "blockedUntil" TIMESTAMP(3),

    CONSTRAINT "AuthThrottle_pkey" PRIMARY KEY ("key")
);

CREATE INDEX "AuthThrottle_lastAttemptAt_idx" ON "AuthThrottle"("lastAttemptAt");
