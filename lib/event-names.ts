/**
 * The names of workflow events and how the console labels them. Plain data with no imports, so
 * client components (the webhook forms) can use it without reaching into lib/registry.
 */
export const WEBHOOK_EVENTS = [
  'request.opened',
  'request.approved',
  'request.rejected',
  'model.deployed',
  'model.undeployed',
  'model.rolled_back',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Sent only by "Send test event" on the webhooks page, to the one webhook being tested. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const EVENT_LABELS: Record<string, string> = {
  'request.opened': 'Deployment request opened',
  'request.approved': 'Request approved',
  'request.rejected': 'Request rejected',
  'request.changes_requested': 'Changes requested',
  'request.withdrawn': 'Request withdrawn',
  'request.lapsed': 'Approvals lapsed',
  'request.failed': 'Deploy failed',
  'comment.mention': 'Mentioned in a comment',
  'request.comment': 'New comment',
  'request.reviewed': 'New review',
  'model.deployed': 'Model deployed',
  'model.undeployed': 'Model undeployed',
  'model.rolled_back': 'Deployment rolled back',
  [WEBHOOK_TEST_EVENT]: 'Test event',
};
