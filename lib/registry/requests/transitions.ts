import 'server-only';
import type { Actor } from '../../auth/permissions';
import { PERMISSIONS, type Permission, type Role } from '../../auth/permissions';
import type { Prisma } from '../../db/generated/client';
import { recordAudit, type Tx } from '../audit';
import { actorRef, emitEvent, type EventInput } from '../events';
import { markHandled } from '../notifications-handled';
import { nextState, WorkflowError, type RequestAction, type RequestState } from '../review-state';
import { requestLink, type LoadedRequest } from './load';

/**
 * Every state change of a request goes through `applyTransition` (state machine + optimistic guard +
 * audit) inside the caller's serializable transaction, and fans out with `emitEvent` in that same
 * transaction.
 */

export function requestPayload(req: LoadedRequest, actor: Actor, extra: Record<string, unknown> = {}) {
  return {
    request_id: req.id,
    state: req.state,
    model_id: req.modelExport.modelId,
    export_format: req.modelExport.exportFormat,
    artifact_sha256: req.artifactSha256,
    age_group_min: req.ageGroupMin,
    age_group_max: req.ageGroupMax,
    requester: { id: req.requester.id, name: req.requester.name, email: req.requester.email },
    actor: actorRef(actor),
    url: requestLink(req.id),
    ...extra,
  };
}

/** Active users whose role holds `permission`, except `exclude`. */
export async function usersWhoMay(tx: Tx, permission: Permission, exclude: (string | null | undefined)[] = []) {
  const users = await tx.user.findMany({
    where: {
      role: { in: [...(PERMISSIONS[permission] as readonly Role[])] },
      disabledAt: null,
      id: { notIn: exclude.filter((x): x is string => !!x) },
    },
    select: { id: true },
  });
  return users.map((u) => u.id);
}

/** Inbox rows for steps that are not workflow events of their own (a single review, a comment). */
export async function notifyUsers(
  tx: Tx,
  kind: string,
  userIds: string[],
  message: string,
  opts: { requestId?: string; link?: string } = {},
) {
  const ids = [...new Set(userIds)].filter((id) => id && id !== 'system');
  if (!ids.length) return;
  await tx.notification.createMany({
    data: ids.map((userId) => ({ userId, kind, message, requestId: opts.requestId ?? null, link: opts.link ?? null })),
  });
}

export type RequestEvent = {
  type: EventInput['type'];
  payload?: Record<string, unknown>;
  notify?: { userIds: string[]; message: string };
};

/** A workflow event about `req`; the actor is never notified of their own step. */
export async function emitRequestEvent(tx: Tx, actor: Actor, req: LoadedRequest, event: RequestEvent) {
  const notify = event.notify && {
    ...event.notify,
    userIds: event.notify.userIds.filter((id) => id !== actor.id),
    link: requestLink(req.id),
    requestId: req.id,
  };
  await emitEvent(tx, {
    type: event.type,
    environment: req.environment,
    payload: requestPayload(req, actor, event.payload),
    notify,
  });
}

type TransitionOpts = {
  data?: Prisma.DeploymentRequestUncheckedUpdateManyInput;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  event?: RequestEvent;
};

/**
 * Moves the request along the state machine: the guarded update (another writer's change makes it
 * a conflict, never a lost update), the audit row and the event, all in the caller's transaction.
 * The caller has already checked who may do it (authorizeTransition) where a person acts.
 */
export async function applyTransition(
  tx: Tx,
  actor: Actor,
  req: LoadedRequest,
  action: RequestAction,
  o: TransitionOpts = {},
): Promise<RequestState> {
  const to = nextState(req.state, action);
  const { count } = await tx.deploymentRequest.updateMany({
    where: { id: req.id, state: req.state },
    data: { state: to, ...o.data },
  });
  if (count !== 1)
    throw new WorkflowError(
      'conflict',
      'The request changed while you were acting on it; reload the page and try again.',
    );
  await recordAudit(tx, actor, {
    action: `request.${action}`,
    subjectType: 'deployment_request',
    subjectId: req.id,
    before: { state: req.state, ...o.before },
    after: { state: to, ...o.after },
  });
  if (o.event) await emitRequestEvent(tx, actor, { ...req, state: to }, o.event);
  await markHandled(tx, { requestId: req.id, state: to, action });
  req.state = to;
  return to;
}
