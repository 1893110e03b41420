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

export type Command = {
  /** As typed: "deploy", "jobs push". */
  name: string;
  /** One line for `drawbridge --help`. */
  usage: string;
  summary: string;
  /** `drawbridge <command> --help`, after the usage line. */
  help: string;
  /** How many positional arguments it takes (MODEL_ID, ID); default none. */
  maxArgs?: number;
  /** Options this command takes besides --help, --server, --token and --as. */
  options: OptionName[];
  /** Whether it works over --server (the database commands do not). */
  remote: boolean;
  run(ctx: Ctx): Promise<number>;
};
