/** What every server action returns to `useActionState`. Importable from client components. */
export type ActionState<T = unknown> = {
  ok: boolean;
  message: string;
  fieldErrors: Record<string, string[] | undefined>;
  data?: T;
};

export const initialActionState: ActionState<never> = { ok: false, message: '', fieldErrors: {} };
