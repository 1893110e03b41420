import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTargets, type TestTarget } from '../db/test-databases';
import { SYSTEM_ACTOR } from './audit';
import { emitEvent } from './events';
import { countUnread, listNotifications, markRead, notificationHref } from './notifications';
import { openTestRegistry } from './test-registry';

describe.each(testTargets())('inbox on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  beforeAll(async () => {
    r = await openTestRegistry(target);
  }, 120_000);
  afterAll(async () => r?.cleanup());

  it('notifies the named users only, newest first, and each reads only their own', async () => {
    const [reviewer, deployer, admin] = [r.actor('reviewer'), r.actor('deployer'), r.actor('admin')];
    await r.db.$transaction((tx) =>
      emitEvent(tx, {
        type: 'request.opened',
        environment: 'production',
        payload: { request_id: 'x' },
        notify: {
          userIds: [reviewer.id, deployer.id, reviewer.id],
          message: 'Review m1 for production',
          link: '/models/m1',
        },
      }),
    );
    await new Promise((res) => setTimeout(res, 5));
    await r.db.$transaction((tx) =>
      emitEvent(tx, {
        type: 'comment.mention',
        environment: 'production',
        payload: {},
        notify: { userIds: [reviewer.id], message: 'Dana mentioned you' },
      }),
    );
    // An event whose transaction rolls back notifies nobody.
    await expect(
      r.db.$transaction(async (tx) => {
        await emitEvent(tx, {
          type: 'request.rejected',
          environment: 'production',
          payload: {},
          notify: { userIds: [reviewer.id], message: 'never' },
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // Nobody to notify, or only the system actor: nothing is written.
    await r.db.$transaction((tx) =>
      emitEvent(tx, {
        type: 'request.withdrawn',
        environment: 'production',
        payload: {},
        notify: { userIds: ['system'], message: 'nobody' },
      }),
    );

    const mine = await listNotifications(r.db, reviewer);
    expect(mine).toMatchObject({ total: 2, unread: 2 });
    expect(mine.notifications.map((n) => n.message)).toEqual(['Dana mentioned you', 'Review m1 for production']);
    expect(mine.notifications.every((n) => n.userId === reviewer.id)).toBe(true);
    expect((await listNotifications(r.db, deployer)).notifications.map((n) => n.kind)).toEqual(['request.opened']);
    expect(await listNotifications(r.db, admin)).toMatchObject({ total: 0, notifications: [] });
    expect(await countUnread(r.db, reviewer)).toBe(2);
    expect(await countUnread(r.db, SYSTEM_ACTOR)).toBe(0);

    // The deployer cannot mark the reviewer's rows read, by id or by "all".
    const reviewerIds = mine.notifications.map((n) => n.id);
    expect(await markRead(r.db, deployer, reviewerIds)).toBe(0);
    expect(await markRead(r.db, deployer, 'all')).toBe(1);
    expect(await countUnread(r.db, reviewer)).toBe(2);
    expect(await countUnread(r.db, deployer)).toBe(0);

    expect(await markRead(r.db, reviewer, [reviewerIds[1]])).toBe(1);
    expect(await markRead(r.db, reviewer, [reviewerIds[1]])).toBe(0); // already read
    const unread = await listNotifications(r.db, reviewer, { unreadOnly: true });
    expect(unread).toMatchObject({ total: 1, unread: 1 });
    expect(unread.notifications[0].id).toBe(reviewerIds[0]);
    expect(await markRead(r.db, reviewer, 'all')).toBe(1);
    expect(await countUnread(r.db, reviewer)).toBe(0);
    expect(await markRead(r.db, reviewer, [])).toBe(0);
    const all = await listNotifications(r.db, reviewer);
    expect(all.notifications.every((n) => n.readAt instanceof Date)).toBe(true);
  });

  it('pages', async () => {
    const viewer = r.actor('viewer');
    for (let i = 0; i < 7; i++) {
      await r.db.notification.create({
        data: {
          userId: viewer.id,
          kind: 'request.approved',
          message: `n${i}`,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
        },
      });
    }
    const p1 = await listNotifications(r.db, viewer, { pageSize: 3 });
    const p3 = await listNotifications(r.db, viewer, { pageSize: 3, page: 3 });
    expect(p1).toMatchObject({ total: 7, page: 1 });
    expect(p1.notifications.map((n) => n.message)).toEqual(['n6', 'n5', 'n4']);
    expect(p3.notifications.map((n) => n.message)).toEqual(['n0']);
  });
});

describe('notificationHref', () => {
  it('leads to a path on this site or to the request, never elsewhere', () => {
    expect(notificationHref({ link: '/models/m1', requestId: 'r1' })).toBe('/models/m1');
    expect(notificationHref({ link: null, requestId: 'r1' })).toBe('/reviews/r1');
    for (const link of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      'models/m1',
    ]) {
      expect(notificationHref({ link, requestId: null })).toBeNull();
      expect(notificationHref({ link, requestId: 'r2' })).toBe('/reviews/r2');
    }
  });
});
