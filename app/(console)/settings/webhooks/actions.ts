'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { validatedAction } from '@/lib/auth/action';
import { fmtDate } from '@/lib/format-display';
import type { AttemptOutcome } from '@/lib/registry/webhook-dispatch';
import {
  createWebhook,
  deleteWebhook,
  redeliverDelivery,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
  WEBHOOK_EVENTS,
} from '@/lib/registry/webhooks';

// Forms post one checkbox per event, named `event:<event>` ("on" when ticked): FormData read as an
// object keeps only one value per name, so a shared name would lose all but the last.
const withEvents = <S extends z.ZodRawShape>(shape: S) =>
  z
    .looseObject(shape)
    .transform((input) => ({ ...input, events: WEBHOOK_EVENTS.filter((e) => input[`event:${e}`] === 'on') }));

const id = z.string().min(1).max(100);

function revalidate(webhookId?: string) {
  revalidatePath('/settings/webhooks');
  if (webhookId) revalidatePath(`/settings/webhooks/${webhookId}`);
}

function describeOutcome(o: AttemptOutcome): { ok: boolean; message: string } {
  if (o.status === 'delivered')
    return { ok: true, message: `Delivered: the receiver answered HTTP ${o.statusCode} in ${o.durationMs} ms.` };
  const why = o.error ?? 'no answer';
  return o.status === 'failed'
    ? { ok: false, message: `Not delivered (${why}); no attempts left.` }
    : { ok: false, message: `Not delivered (${why}); retrying at ${fmtDate(o.nextAttemptAt)}.` };
}

export const createWebhookAction = validatedAction(
  'webhooks.manage',
  withEvents({ environment: z.string(), url: z.string().trim().min(1, 'Enter the receiver’s URL.') }),
  async (input, { actor, db }) => {
    const { webhook, secret } = await createWebhook(db, actor, {
      environment: input.environment as never,
      url: input.url,
      events: input.events,
    });
    revalidate();
    return {
      ok: true,
      message: `Webhook created for ${webhook.environment}. Copy its secret now: it is shown only once.`,
      fieldErrors: {},
      data: { secret, webhookId: webhook.id },
    };
  },
);

export const updateWebhookEventsAction = validatedAction(
  'webhooks.manage',
  withEvents({ id }),
  async (input, { actor, db }) => {
    await updateWebhook(db, actor, input.id, { events: input.events });
    revalidate(input.id);
    return { ok: true, message: 'Events saved.', fieldErrors: {} };
  },
);

export const setWebhookActiveAction = validatedAction(
  'webhooks.manage',
  z.object({ id, active: z.enum(['true', 'false']) }),
  async (input, { actor, db }) => {
    const active = input.active === 'true';
    await updateWebhook(db, actor, input.id, { active });
    revalidate(input.id);
    return {
      ok: true,
      message: active
        ? 'Enabled: held deliveries go out now.'
        : 'Disabled: new events are not queued; queued ones wait.',
      fieldErrors: {},
    };
  },
);

export const rotateWebhookSecretAction = validatedAction(
  'webhooks.manage',
  z.object({ id }),
  async (input, { actor, db }) => {
    const { secret } = await rotateWebhookSecret(db, actor, input.id);
    revalidate(input.id);
    return {
      ok: true,
      message: 'New secret. Copy it now: it is shown only once, and the old one no longer signs deliveries.',
      fieldErrors: {},
      data: { secret },
    };
  },
);

export const sendTestEventAction = validatedAction(
  'webhooks.manage',
  z.object({ id }),
  async (input, { actor, db }) => {
    const outcome = await sendTestEvent(db, actor, input.id);
    revalidate(input.id);
    return { ...describeOutcome(outcome), fieldErrors: {} };
  },
);

export const deleteWebhookAction = validatedAction(
  'webhooks.manage',
  z.object({ id }),
  async (input, { actor, db }) => {
    await deleteWebhook(db, actor, input.id);
    revalidate();
    return { ok: true, message: 'Webhook deleted, with its delivery log.', fieldErrors: {} };
  },
);

export const redeliverAction = validatedAction(
  'webhooks.manage',
  z.object({ deliveryId: id, webhookId: id }),
  async (input, { actor, db }) => {
    const outcome = await redeliverDelivery(db, actor, input.deliveryId);
    revalidate(input.webhookId);
    return { ...describeOutcome(outcome), fieldErrors: {} };
  },
);
