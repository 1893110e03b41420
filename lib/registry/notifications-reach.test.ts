import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type Actor } from '../auth/permissions';
import { testTargets, type TestTarget } from '../db/test-databases';
import { addComment, parseMentions, resolveMentions, suggestMentions } from './comments';
import { listDeploymentRequests } from './listings';
import { countUnread, listNotifications } from './notifications';
import { createDeploymentRequest, deployFromRequest, reviewRequest, withdrawRequest } from './requests';
import { exportDemoJob, openTestRegistry } from './test-registry';
import { validateExportedModel } from './validate';

describe.each(testTargets())('notifications that reach people on %s', (target: TestTarget) => {
  let r: Awaited<ReturnType<typeof openTestRegistry>>;
  const asActor = (u: { id: string; email: string; name: string; role: Actor['role'] }): Actor => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    via: 'session',
  });
  const addUser = async (name: string, email: string, role: Actor['role'] = 'reviewer') =>
    asActor(await r.db.user.create({ data: { name, email, role, passwordHash: 'x' } }));
  const rows = (userId: string, requestId: string, kind: string) =>
    r.db.notification.findMany({ where: { userId, requestId, kind }, orderBy: { createdAt: 'asc' } });

  beforeAll(async () => {
    r = await openTestRegistry(target);
    // Two approvals, no preview: one review leaves the request open for the others.
    await r.db.reviewPolicy.upsert({
      where: { environment: 'staging' },
      create: { environment: 'staging', requiredApprovals: 2, requirePreviewSummary: false },
      update: { requiredApprovals: 2, requirePreviewSummary: false },
    });
  }, 120_000);
  afterAll(async () => r?.cleanup());

  async function openRequest(min: number, max: number) {
    const e = await exportDemoJob(r, min, max);
    expect((await validateExportedModel(r.db, r.store, r.actor('reviewer'), e.modelId)).is_valid).toBe(true);
    return createDeploymentRequest(r.db, r.actor('reviewer'), {
      modelId: e.modelId,
      environment: 'staging',
      replaceExisting: true,
      rationale: 'Notifications test.',
    });
  }

  it('a reviewer created after a request opened finds it in their inbox; acting on it marks it handled', async () => {
    const req = await openRequest(2, 3);
    const nina = await addUser('Nina Newcomer', 'nina@drawbridge.test');
    // Vera was a viewer when it opened; promoted since.
    const vera = r.actor('viewer');
    await r.db.user.update({ where: { id: vera.id }, data: { role: 'reviewer' } });
    const veraNow = { ...vera, role: 'reviewer' as const };
    expect(await r.db.notification.count({ where: { userId: { in: [nina.id, vera.id] } } })).toBe(0);

    // The Reviews page's "awaiting your review" and the inbox agree: one rule.
    expect((await listDeploymentRequests(r.db, nina, { view: 'awaiting' })).map((x) => x.id)).toEqual([req.id]);
    expect(await countUnread(r.db, nina)).toBe(1);
    const todo = await listNotifications(r.db, nina, { view: 'todo' });
    expect(todo).toMatchObject({ total: 1, todo: 1, unread: 1 });
    expect(todo.notifications[0]).toMatchObject({
      kind: 'request.opened',
      requestId: req.id,
      link: `/reviews/${req.id}`,
      handledAt: null,
      readAt: null,
    });
    expect(todo.notifications[0].message).toContain('your review is needed');
    expect((await listNotifications(r.db, veraNow, { view: 'todo' })).todo).toBe(1);
    // Reading the inbox again writes nothing twice.
    await listNotifications(r.db, nina);
    await Promise.all([countUnread(r.db, nina), countUnread(r.db, nina)]);
    expect(await rows(nina.id, req.id, 'request.opened')).toHaveLength(1);

    // Nina reviews: her item is handled, still unread (handled is not read); the others' stay to do.
    await reviewRequest(r.db, nina, req.id, { decision: 'approve', comment: 'Looks right.' });
    const [mine] = await rows(nina.id, req.id, 'request.opened');
    expect(mine.handledAt).toBeInstanceOf(Date);
    expect(mine.readAt).toBeNull();
    expect(await listNotifications(r.db, nina, { view: 'todo' })).toMatchObject({ total: 0, todo: 0, unread: 1 });
    expect(await listNotifications(r.db, nina, { view: 'unread' })).toMatchObject({ total: 1 });
    const [admins] = await rows(r.actor('admin').id, req.id, 'request.opened');
    expect(admins.handledAt).toBeNull();

    // The second approval makes it approved: nobody's review is needed any more.
    await reviewRequest(r.db, r.actor('admin'), req.id, { decision: 'approve', comment: 'Agreed.' });
    expect((await r.db.deploymentRequest.findUniqueOrThrow({ where: { id: req.id } })).state).toBe('approved');
    expect(await listNotifications(r.db, veraNow, { view: 'todo' })).toMatchObject({ todo: 0 });
    expect(
      await r.db.notification.count({ where: { requestId: req.id, kind: 'request.opened', handledAt: null } }),
    ).toBe(0);
    const deployer = r.actor('deployer');
    const ready = await rows(deployer.id, req.id, 'request.approved');
    expect(ready).toHaveLength(1);
    expect(ready[0].handledAt).toBeNull();

    // One deploy exhausts it: "ready to deploy" is handled for everyone who had it.
    await deployFromRequest(r.db, r.store, deployer, req.id);
    const approved = await r.db.notification.findMany({ where: { requestId: req.id, kind: 'request.approved' } });
    expect(approved.length).toBeGreaterThanOrEqual(2); // the requester and the deployer(s)
    expect(approved.every((n) => n.handledAt instanceof Date)).toBe(true);
    expect(approved.every((n) => n.readAt === null)).toBe(true);
    await r.db.user.update({ where: { id: vera.id }, data: { role: 'viewer' } });
  });

  it('a withdrawn request’s review items are handled for everyone; a demoted reviewer’s too', async () => {
    const req = await openRequest(3, 4);
    const omar = await addUser('Omar Later', 'omar@drawbridge.test');
    expect((await listNotifications(r.db, omar, { view: 'todo' })).todo).toBe(1);
    const pat = await addUser('Pat Demoted', 'pat@drawbridge.test');
    expect((await listNotifications(r.db, pat, { view: 'todo' })).todo).toBe(1);
    await r.db.user.update({ where: { id: pat.id }, data: { role: 'viewer' } });
    expect((await listNotifications(r.db, { ...pat, role: 'viewer' }, { view: 'todo' })).todo).toBe(0);

    await withdrawRequest(r.db, r.actor('reviewer'), req.id, 'Superseded.');
    const items = await r.db.notification.findMany({ where: { requestId: req.id, kind: 'request.opened' } });
    expect(items.length).toBeGreaterThanOrEqual(3); // the admin's, Omar's, Pat's (and any other reviewer's)
    expect(items.every((n) => n.handledAt instanceof Date)).toBe(true);
    expect((await listNotifications(r.db, omar, { view: 'todo' })).todo).toBe(0);
    expect((await listNotifications(r.db, omar)).total).toBe(1);
  });

  it('mentions resolve by first name, quoted full name and email; unknown and ambiguous ones are reported', async () => {
    expect(parseMentions('@Remy, @"Dana  Deployer" and @admin@drawbridge.test. @Zed? @"Sam"')).toEqual([
      'remy',
      'dana deployer',
      'admin@drawbridge.test',
      'zed',
      'sam',
    ]);
    await addUser('Sam One', 'sam.one@drawbridge.test');
    await addUser('Sam Two', 'sam.two@drawbridge.test');
    const [remy, dana, ada] = [r.actor('reviewer'), r.actor('deployer'), r.actor('admin')];
    const e = await r.db.modelExport.findFirstOrThrow();
    const rita = await addUser('Rita Writer', 'rita@drawbridge.test');
    const { comment, unresolved } = await addComment(r.db, rita, {
      modelId: e.modelId,
      body: 'Thoughts, @Remy, @"Dana Deployer" and @admin@drawbridge.test? Also @Zed and @Sam.',
    });
    expect(comment.mentions.sort()).toEqual([remy.id, dana.id, ada.id].sort());
    expect(unresolved).toEqual(['zed', 'sam']);
    expect(await resolveMentions(r.db, ['nobody here'])).toEqual({
      userIds: [],
      unresolved: ['"nobody here"'],
    });

    // Dana answers in the thread: her mention is handled (still unread); Remy's is still to do.
    const mention = (userId: string) =>
      r.db.notification.findFirstOrThrow({
        where: { userId, kind: 'comment.mention', link: { contains: comment.id } },
      });
    expect((await mention(dana.id)).handledAt).toBeNull();
    await addComment(r.db, dana, { modelId: e.modelId, parentId: comment.id, body: 'Looked: fine.' });
    expect(await mention(dana.id)).toMatchObject({ readAt: null, handledAt: expect.any(Date) });
    expect((await mention(remy.id)).handledAt).toBeNull();
    expect((await listNotifications(r.db, remy, { view: 'todo' })).notifications.map((n) => n.kind)).toContain(
      'comment.mention',
    );
  });

  it('suggests teammates by name or email prefix, at most 8, with text that mentions exactly them', async () => {
    for (let i = 0; i < 10; i++) await addUser(`Zoe Crowd${i}`, `zoe${i}@drawbridge.test`);
    const remy = r.actor('reviewer');
    const crowd = await suggestMentions(r.db, remy, '@zo');
    expect(crowd).toHaveLength(8);
    const byName = await suggestMentions(r.db, remy, 'rem');
    expect(byName.map((s) => s.name)).toEqual(['Remy Reviewer']);
    expect(byName[0].mention).toBe('@"Remy Reviewer"');
    expect((await suggestMentions(r.db, remy, 'Deployer')).map((s) => s.email)).toEqual(['deployer@drawbridge.test']);
    expect((await suggestMentions(r.db, remy, 'deployer@dr')).map((s) => s.name)).toEqual(['Dana Deployer']);
    // Two "Sam" users: each suggestion still names one person.
    const sams = await suggestMentions(r.db, remy, 'sam');
    expect(sams.map((s) => s.name)).toEqual(['Sam One', 'Sam Two']);
    for (const s of [...sams, ...byName, ...crowd]) {
      expect((await resolveMentions(r.db, parseMentions(`hi ${s.mention}`))).userIds).toEqual([s.id]);
    }
    // Disabled accounts are not offered.
    await r.db.user.update({ where: { email: 'zoe0@drawbridge.test' }, data: { disabledAt: new Date() } });
    expect((await suggestMentions(r.db, remy, 'zoe0')).length).toBe(0);
    await expect(suggestMentions(r.db, r.actor('viewer'), 're')).rejects.toBeInstanceOf(AuthError);
  });
});
