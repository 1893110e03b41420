/**
 * Pickles that run a command when loaded by a real (unsafe) unpickler: each would create `marker`.
 * They cover every way a pickle can call something: GLOBAL/STACK_GLOBAL + REDUCE, INST, OBJ,
 * BUILD through a planted __setstate__, NEWOBJ/NEWOBJ_EX, and persistent ids / extensions. `live`
 * says whether CPython's pickle.loads really runs the payload (checked by the property tests
 * against /usr/bin/python3, so "no marker appeared" means something).
 */
import { utf8 } from '../bytes-write';
import { bytesOf } from './bytes';

export type Payload = { name: string; bytes: Uint8Array; live: boolean };

const cat = bytesOf;

/** BINUNICODE of `s`. */
const str = (s: string): Uint8Array => {
  const b = utf8(s);
  return cat([0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24], b);
};
const SHORT = (s: string): Uint8Array => cat([0x8c, utf8(s).length], s);
const glob = (m: string, n: string): string => `c${m}\n${n}\n`;
const stackGlob = (m: string, n: string): Uint8Array => cat(SHORT(m), SHORT(n), [0x93]);

/** The payload pickles for `marker` (an absolute path without quotes or spaces). */
export function payloadPickles(marker: string): Payload[] {
  const cmd = `touch ${marker}`;
  const py = `open(${JSON.stringify(marker)},'w').close()`;
  const P2 = [0x80, 0x02];
  const P4 = [0x80, 0x04];
  const call1 = (callable: Uint8Array | string, arg: Uint8Array): Uint8Array => cat(callable, arg, [0x85, 0x52]); // TUPLE1 REDUCE
  return [
    { name: 'os.system GLOBAL+REDUCE', bytes: cat(P2, call1(glob('os', 'system'), str(cmd)), '.'), live: true },
    { name: 'posix.system GLOBAL+REDUCE', bytes: cat(P2, call1(glob('posix', 'system'), str(cmd)), '.'), live: true },
    { name: 'os.system STACK_GLOBAL', bytes: cat(P4, call1(stackGlob('os', 'system'), str(cmd)), '.'), live: true },
    { name: 'os.system protocol 0', bytes: cat(glob('os', 'system'), `(S'${cmd}'\ntR.`), live: true },
    { name: 'builtins.eval', bytes: cat(P2, call1(glob('builtins', 'eval'), str(py)), '.'), live: true },
    { name: 'builtins.exec', bytes: cat(P4, call1(stackGlob('builtins', 'exec'), str(py)), '.'), live: true },
    {
      name: '__builtin__.eval (py2 name)',
      bytes: cat(P2, call1(glob('__builtin__', 'eval'), str(py)), '.'),
      live: true,
    },
    {
      name: 'subprocess.Popen',
      bytes: cat(P2, glob('subprocess', 'Popen'), ']', '(', str('touch'), str(marker), 'e', [0x85, 0x52], '.'),
      live: true,
    },
    {
      name: 'subprocess.check_call',
      bytes: cat(
        P4,
        stackGlob('subprocess', 'check_call'),
        ']',
        '(',
        str('touch'),
        str(marker),
        'e',
        [0x85, 0x52],
        '.',
      ),
      live: true,
    },
    {
      name: 'importlib.import_module then getattr',
      // getattr(importlib.import_module('os'), 'system')(cmd)
      bytes: cat(
        P2,
        glob('builtins', 'getattr'),
        call1(glob('importlib', 'import_module'), str('os')),
        str('system'),
        [0x86, 0x52],
        str(cmd),
        [0x85, 0x52],
        '.',
      ),
      live: true,
    },
    { name: 'INST os.system', bytes: cat(`(S'${cmd}'\n`, `ios\nsystem\n`, '.'), live: true },
    { name: 'OBJ os.system', bytes: cat(P2, '(', glob('os', 'system'), str(cmd), 'o', '.'), live: true },
    {
      name: 'BUILD planting __setstate__',
      // ns = types.SimpleNamespace(); ns.__dict__['__setstate__'] = os.system; BUILD(cmd) → os.system(cmd)
      bytes: cat(
        P2,
        glob('types', 'SimpleNamespace'),
        ')R',
        '}',
        str('__setstate__'),
        glob('os', 'system'),
        's',
        'b',
        str(cmd),
        'b',
        '.',
      ),
      live: true,
    },
    {
      name: 'BUILD on an OrderedDict with os.system state',
      bytes: cat(
        P2,
        glob('collections', 'OrderedDict'),
        ')R',
        '}',
        str('_metadata'),
        call1(glob('os', 'system'), str(cmd)),
        's',
        'b',
        '.',
      ),
      live: true,
    },
    {
      name: 'payload inside torch training_config',
      bytes: cat(P2, '}', str('training_config'), '}', str('x'), call1(glob('os', 'system'), str(cmd)), 's', 's', '.'),
      live: true,
    },
    {
      name: 'NEWOBJ subprocess.Popen',
      bytes: cat(P2, glob('subprocess', 'Popen'), ']', str(cmd), 'a', [0x85, 0x81], '.'),
      live: false,
    },
    {
      name: 'NEWOBJ_EX subprocess.Popen',
      bytes: cat(P4, stackGlob('subprocess', 'Popen'), ')', '}', [0x92], '.'),
      live: false,
    },
    { name: 'PERSID', bytes: cat(`P${cmd}\n`, '.'), live: false },
    { name: 'BINPERSID', bytes: cat(P2, str(cmd), 'Q', '.'), live: false },
    { name: 'EXT1', bytes: cat(P2, [0x82, 0x01], str(cmd), [0x85, 0x52], '.'), live: false },
  ];
}
