-- The other lists (audit, training jobs, inbox, webhook deliveries) do not grow with the table
-- either (issue 14): each filter + sort they offer is an index that ends in the list's order and its
-- tie-break, so a page and its capped count (lib/registry/listings-count.ts) read that index in
-- order and stop, instead of reading every matching row and sorting them. An index these replace
-- is a prefix of its replacement, so whatever else used it is served as before.

-- Audit: newest first (id), by actor, by subject; the action filter is a prefix match and walks
-- the primary key (AuditEvent_action_idx stays for the home page's activity).
DROP INDEX "AuditEvent_actorId_idx";
DROP INDEX "AuditEvent_subjectType_subjectId_idx";
CREATE INDEX "AuditEvent_actorId_id_idx" ON "AuditEvent"("actorId", "id");
CREATE INDEX "AuditEvent_subjectType_subjectId_id_idx" ON "AuditEvent"("subjectType", "subjectId", "id");

-- Training jobs: newest first (createdAt, id), alone and by status.
DROP INDEX "TrainingJob_status_idx";
DROP INDEX "TrainingJob_createdAt_idx";
CREATE INDEX "TrainingJob_createdAt_id_idx" ON "TrainingJob"("createdAt", "id");
CREATE INDEX "TrainingJob_status_createdAt_id_idx" ON "TrainingJob"("status", "createdAt", "id");

-- Inbox: a user's items newest first, all / unread / still to do.
DROP INDEX "Notification_userId_readAt_createdAt_idx";
CREATE INDEX "Notification_userId_createdAt_id_idx" ON "Notification"("userId", "createdAt", "id");
CREATE INDEX "Notification_userId_readAt_createdAt_id_idx" ON "Notification"("userId", "readAt", "createdAt", "id");
CREATE INDEX "Notification_userId_handledAt_createdAt_id_idx" ON "Notification"("userId", "handledAt", "createdAt", "id");

-- Webhook deliveries: one webhook's log newest first, alone and by status.
DROP INDEX "WebhookDelivery_webhookId_createdAt_idx";
CREATE INDEX "WebhookDelivery_webhookId_createdAt_id_idx" ON "WebhookDelivery"("webhookId", "createdAt", "id");
CREATE INDEX "WebhookDelivery_webhookId_status_createdAt_id_idx" ON "WebhookDelivery"("webhookId", "status", "createdAt", "id");

-- Deployment requests: each state's slice newest first (the list reads them in the order people
-- act on them), the capped total newest first, and one requester's own.
DROP INDEX "DeploymentRequest_state_createdAt_idx";
DROP INDEX "DeploymentRequest_requesterId_idx";
CREATE INDEX "DeploymentRequest_state_createdAt_id_idx" ON "DeploymentRequest"("state", "createdAt", "id");
CREATE INDEX "DeploymentRequest_createdAt_id_idx" ON "DeploymentRequest"("createdAt", "id");
CREATE INDEX "DeploymentRequest_requesterId_state_createdAt_id_idx" ON "DeploymentRequest"("requesterId", "state", "createdAt", "id");
