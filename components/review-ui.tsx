import { Badge } from './ui';

const TONES = {
  draft: 'slate',
  open: 'amber',
  approved: 'indigo',
  rejected: 'red',
  withdrawn: 'slate',
  deployed: 'green',
  failed: 'red',
} as const;

export function RequestStateBadge({ state }: { state: keyof typeof TONES }) {
  return <Badge tone={TONES[state]}>{state}</Badge>;
}

export function ApprovalCount({
  approvals,
  required,
  lapsed,
}: {
  approvals: number;
  required: number;
  lapsed?: number;
}) {
  return (
    <span
      className="tabular-nums"
      aria-label={`${approvals} of ${required} approvals${lapsed ? `, ${lapsed} lapsed` : ''}`}
    >
      {approvals}/{required} approvals{lapsed ? <span className="text-amber-900"> · {lapsed} lapsed</span> : null}
    </span>
  );
}
