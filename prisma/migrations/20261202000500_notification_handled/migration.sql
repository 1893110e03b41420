-- Handled is not read: an item leaves the inbox's "to do" when the user acts on it (or it no longer
-- calls for action), whether or not it was read. Items written before this migration are left to do.
ALTER TABLE "Notification" ADD COLUMN "handledAt" TIMESTAMP(3);
CREATE INDEX "Notification_userId_handledAt_requestId_idx" ON "Notification"("userId", "handledAt", "requestId");
