/** What every server action returns to `useActionState`. Importable from client components. */
export type ActionState<T = unknown> = {
  ok: boolean;
  message: string;
  fieldErrors: Record<string, string[] | undefined>;
  data?: T;
};

/** The function `useActionState` takes: a form's previous state and its data, the next state. */
export type FormAction<T = unknown> = (prev: ActionState | undefined, formData: FormData) => Promise<ActionState<T>>;

export const initialActionState: ActionState<never> = { ok: false, message: '', fieldErrors: {} };
