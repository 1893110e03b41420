import 'server-only';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { parseAddress, type Lookup, type LookupAddress } from './egress';

/**
 * A real DNS server for tests (UDP on 127.0.0.1), answering A and AAAA questions from a table, and
 * a `lookup` for the egress policy that asks it through `dns.promises.Resolver`. A name's answer
 * may be a list of answers in turn (the last repeats), which is how a rebinding name behaves: a
 * public address for the check, then an internal one.
 */
export type DnsAnswer = string[];
export type DnsEntry = DnsAnswer | { sequence: DnsAnswer[] };

const TYPE_A = 1;
const TYPE_AAAA = 28;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i] !== 0) {
    const len = msg[i];
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

export async function startDnsServer(port: number, table: Record<string, DnsEntry>) {
  const served = new Map<string, number>(); // "name/A" → queries answered
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const key = `${name}/${qtype === TYPE_AAAA ? 'AAAA' : 'A'}`;
    const n = served.get(key) ?? 0;
    served.set(key, n + 1);
    const entry = table[name];
    const answer =
      entry === undefined
        ? null
        : Array.isArray(entry)
          ? entry
          : entry.sequence[Math.min(n, entry.sequence.length - 1)];
    const wanted = (answer ?? []).filter((a) =>
      qtype === TYPE_AAAA ? net.isIPv6(a) : qtype === TYPE_A && net.isIPv4(a),
    );
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8180 | (answer === null ? 3 : 0), 2); // response, recursion available; NXDOMAIN for unknown names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(wanted.length, 6);
    const question = msg.subarray(12, end + 4);
    const records = wanted.map((a) => {
      const data = Buffer.from(parseAddress(a)!);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(net.isIPv6(a) ? TYPE_AAAA : TYPE_A, 2);
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(0, 6); // TTL 0: nothing may cache it
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    socket.send(Buffer.concat([header, question, ...records]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });

  // Generous: the test process also runs the embedded database, which can hold the event loop a while.
  const resolver = new dns.promises.Resolver({ timeout: 10_000, tries: 2 });
  resolver.setServers([`127.0.0.1:${port}`]);
  /** Like dns.lookup with { all: true }, but asking only this server. */
  const lookup: Lookup = async (hostname) => {
    const [a, aaaa] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const out: LookupAddress[] = [
      ...(a.status === 'fulfilled' ? a.value.map((address) => ({ address, family: 4 })) : []),
      ...(aaaa.status === 'fulfilled' ? aaaa.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (out.length === 0)
      throw a.status === 'rejected'
        ? a.reason
        : Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENODATA' });
    return out;
  };
  return {
    lookup,
    table,
    /** How many A (or AAAA) questions for `name` were answered. */
    queries: (name: string, type: 'A' | 'AAAA' = 'A') => served.get(`${name}/${type}`) ?? 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
