import type { Metadata } from 'next';
import { CardTable, TableHead } from '@/components/table';
import { Badge, PageHeader } from '@/components/ui';
import { UserDisableButton, UserResetPasswordButton, UserRoleForm } from './_components/user-actions';
import { UserCreateForm } from './_components/user-create-form';
import { requirePagePermission } from '@/lib/auth/current';
import { ROLES } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db';
import { fmtDate } from '@/lib/format-display';
import { listUsers } from '@/lib/registry/users';

export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const actor = await requirePagePermission('users.manage', '/settings/users');
  const users = await listUsers(await getDb(), actor);
  const activeAdmins = users.filter((u) => u.role === 'admin' && !u.disabledAt).length;
  return (
    <>
      <PageHeader
        title="Users"
        description="Create accounts, set roles, disable people who have left and reset forgotten passwords. Every change is audited; passwords are never shown again after they are created. You cannot change or disable your own account, and the last active admin always stays an admin."
      />
      <section aria-labelledby="new-user" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="new-user" className="mb-3 text-base font-medium">
          New user
        </h2>
        <UserCreateForm roles={ROLES} />
      </section>

      <section aria-labelledby="all-users" className="mt-8">
        <h2 id="all-users" className="mb-3 text-lg font-semibold">
          {users.length} user{users.length === 1 ? '' : 's'}
          <span className="ml-2 text-sm font-normal text-slate-600">
            {activeAdmins} active admin{activeAdmins === 1 ? '' : 's'}
          </span>
        </h2>
        <CardTable caption="Users">
          <TableHead columns={['Name', 'Email', 'Role', 'Status', 'Created', 'Actions']} />
          <tbody className="divide-y divide-slate-100">
            {users.map((u) => {
              const self = u.id === actor.id;
              return (
                <tr key={u.id} className="align-top">
                  <td className="px-4 py-3 font-medium">
                    {u.name}
                    {self && (
                      <span className="ml-2">
                        <Badge tone="indigo">you</Badge>
                      </span>
                    )}
                  </td>
                  <td className="px-4 py-3 break-all">{u.email}</td>
                  <td className="px-4 py-3">
                    {self ? (
                      <span title="Another admin can change your role">{u.role}</span>
                    ) : (
                      <UserRoleForm user={u} role={u.role} roles={ROLES} />
                    )}
                  </td>
                  <td className="px-4 py-3">
                    {u.disabledAt ? (
                      <span className="inline-flex flex-col gap-1">
                        <Badge tone="red">disabled</Badge>
                        <span className="text-xs text-slate-600">since {fmtDate(u.disabledAt)}</span>
                      </span>
                    ) : (
                      <Badge tone="green">active</Badge>
                    )}
                  </td>
                  <td className="px-4 py-3 whitespace-nowrap">{fmtDate(u.createdAt)}</td>
                  <td className="px-4 py-3">
                    {self ? (
                      <span className="text-xs text-slate-600">Your own account: another admin manages it.</span>
                    ) : (
                      <div className="flex flex-col items-start gap-2">
                        <UserDisableButton user={u} disabled={!!u.disabledAt} />
                        <UserResetPasswordButton user={u} />
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </CardTable>
      </section>
    </>
  );
}
