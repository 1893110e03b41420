// The command table (cli/commands/index.ts) is what --help and the argument checks read; each entry's
// module holds the rest. An entry whose loader names a missing export, or a module whose command
// lost its help, would only show when someone ran that command.
import { describe, expect, it } from 'vitest';
import { HELP } from '../main';
import { COMMANDS } from './index';

describe('the command table', () => {
  it('names each command once, and every entry loads a command with its help and run', async () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const c of COMMANDS) {
      expect(c.usage.startsWith(c.name), c.name).toBe(true);
      const impl = await c.load();
      expect(typeof impl?.run, c.name).toBe('function');
      expect(impl.help.length, c.name).toBeGreaterThan(0);
    }
  });

  it('drawbridge --help lists every command (it listed neither the key commands, models card, compare nor requests amend)', () => {
    expect(COMMANDS.filter((c) => !HELP.includes(`  ${c.usage}\n`)).map((c) => c.name)).toEqual([]);
  });
});
