import type { OptionName, Values } from '../args';
import type { Remote } from '../remote';

export type Ctx = {
  v: Values;
  /** Positional arguments after the command's name. */
  args: string[];
  /** Set in remote mode (--server/--token); local mode opens the database. */
  remote: Remote | null;
  out: (text: string) => void;
};

/**
 * What `drawbridge --help` and the argument checks need to know of a command. The table in
 * cli/commands/index.ts holds it for every command, so that neither loads a command's module (and
 * with it the database client): a run loads only the module of the command it runs.
 */
export type CommandSpec = {
  /** As typed: "deploy", "jobs push". */
  name: string;
  /** One line for `drawbridge --help`. */
  usage: string;
  summary: string;
  /** How many positional arguments it takes (MODEL_ID, ID); default none. */
  maxArgs?: number;
  /** Options this command takes besides --help, --server, --token and --as. */
  options: OptionName[];
  /** Whether it works over --server (the database commands do not). */
  remote: boolean;
  /** Local mode acts as the system (audited as Drawbridge; works before any admin exists), not the first admin. */
  localActor?: 'system';
  load(): Promise<CommandImpl>;
};

/** A command module's export: the command's own help and what it does. */
export type CommandImpl = {
  /** `drawbridge <command> --help`, after the usage line. */
  help: string;
  run(ctx: Ctx): Promise<number>;
};
