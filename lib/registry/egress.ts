import 'server-only';
import dns from 'node:dns';
import net from 'node:net';
import { webhookEgressSettings } from '../config';
import { DomainError, errorFamily } from '../errors';

/**
 * Where the server may send webhooks. A webhook URL is chosen by an admin but fetched by the
 * server, from inside its network: without a policy it is a read primitive into that network and a
 * port scanner (issue 10). So every address a target resolves to is classified, and loopback,
 * private, link-local, multicast, unspecified, broadcast, documentation and reserved ranges are
 * refused — including IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4).
 *
 * The check runs at creation (a field error) and again at every delivery, whose connection goes to
 * the address vetted there (see `pinnedLookup`), so a name whose DNS answer changes between check
 * and send (rebinding) cannot swap in a forbidden one.
 */

export type Category =
  'loopback' | 'private' | 'link_local' | 'multicast' | 'unspecified' | 'broadcast' | 'documentation' | 'reserved';
export type Classification = { category: Category | 'public'; range: string; note?: string };
export type LookupAddress = { address: string; family: number };
/** `dns.promises.lookup` with `{ all: true }`; tests inject one backed by their own DNS server. */
export type Lookup = (hostname: string, options: { all: true; verbatim?: boolean }) => Promise<LookupAddress[]>;
export type Cidr = { text: string; bytes: Uint8Array; prefix: number };
export type EgressPolicy = { allowPrivate: boolean; allowCidrs: readonly Cidr[]; lookup: Lookup };
export type VettedTarget = { hostname: string; address: string; family: 4 | 6; addresses: string[] };

/** The target is (or resolves to) an address webhooks may not reach. */
export class EgressRefusedError extends DomainError {
  constructor(
    message: string,
    readonly address: string,
    readonly category: Category,
  ) {
    super('unprocessable', 'webhook_target_forbidden', message, { field: 'url', address, category });
  }
}
errorFamily(EgressRefusedError, 'EgressRefusedError');

/** The target's name could not be resolved (no such name, no answer, resolver down). */
export class EgressDnsError extends DomainError {
  constructor(
    message: string,
    readonly dnsCode: string,
  ) {
    super('invalid', 'webhook_target_unresolved', message, { field: 'url', dns_code: dnsCode });
  }
}
errorFamily(EgressDnsError, 'EgressDnsError');

// ---------------------------------------------------------------------------------------------
// Addresses

/** 4 or 16 bytes; null when `text` is not a plain IPv4/IPv6 address (a zone index is dropped). */
export function parseAddress(text: string): Uint8Array | null {
  const s = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv4(s)) return Uint8Array.from(s.split('.').map(Number));
  if (!net.isIPv6(s)) return null;
  let groups = s.split(':');
  const tail = groups.at(-1)!;
  if (tail.includes('.')) {
    const v4 = tail.split('.').map(Number);
    groups = [...groups.slice(0, -1), ((v4[0] << 8) | v4[1]).toString(16), ((v4[2] << 8) | v4[3]).toString(16)];
  }
  const joined = groups.join(':');
  const [head, rest] = joined.includes('::') ? joined.split('::') : [joined, undefined];
  const h = head ? head.split(':') : [];
  const t = rest === undefined ? [] : rest ? rest.split(':') : [];
  const all = rest === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

export function formatAddress(b: Uint8Array): string {
  if (b.length === 4) return b.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((b[i * 2] << 8) | b[i * 2 + 1]).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.replace(/^\[|\]$/g, '');
}

function inPrefix(b: Uint8Array, net: Uint8Array, prefix: number): boolean {
  if (b.length !== net.length) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const take = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((b[bit / 8] & mask) !== (net[bit / 8] & mask)) return false;
  }
  return true;
}

export function parseCidr(text: string): Cidr | null {
  const [addr, bits, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const bytes = parseAddress(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { text: text.trim(), bytes, prefix };
}

const cidr = (s: string) => parseCidr(s)!;

// Ordered: the first match names the range (255.255.255.255 is broadcast before 240/4 reserved).
const V4: [Cidr, Category, string][] = [
  [cidr('0.0.0.0/32'), 'unspecified', '0.0.0.0/32'],
  [cidr('0.0.0.0/8'), 'reserved', '0.0.0.0/8 (this network)'],
  [cidr('10.0.0.0/8'), 'private', '10.0.0.0/8'],
  [cidr('100.64.0.0/10'), 'private', '100.64.0.0/10 (carrier-grade NAT)'],
  [cidr('127.0.0.0/8'), 'loopback', '127.0.0.0/8'],
  [cidr('169.254.0.0/16'), 'link_local', '169.254.0.0/16 (link-local, cloud metadata)'],
  [cidr('172.16.0.0/12'), 'private', '172.16.0.0/12'],
  [cidr('192.0.0.0/24'), 'reserved', '192.0.0.0/24 (IETF protocol assignments)'],
  [cidr('192.0.2.0/24'), 'documentation', '192.0.2.0/24 (TEST-NET-1)'],
  [cidr('192.88.99.0/24'), 'reserved', '192.88.99.0/24 (6to4 relay)'],
  [cidr('192.168.0.0/16'), 'private', '192.168.0.0/16'],
  [cidr('198.18.0.0/15'), 'reserved', '198.18.0.0/15 (benchmarking)'],
  [cidr('198.51.100.0/24'), 'documentation', '198.51.100.0/24 (TEST-NET-2)'],
  [cidr('203.0.113.0/24'), 'documentation', '203.0.113.0/24 (TEST-NET-3)'],
  [cidr('224.0.0.0/4'), 'multicast', '224.0.0.0/4'],
  [cidr('255.255.255.255/32'), 'broadcast', '255.255.255.255/32'],
  [cidr('240.0.0.0/4'), 'reserved', '240.0.0.0/4'],
];

// IPv6 ranges that carry an IPv4 address: classified by the address they carry.
const V6_EMBEDDING: [Cidr, string, (b: Uint8Array) => Uint8Array][] = [
  [cidr('::ffff:0:0/96'), 'IPv4-mapped', (b) => b.slice(12)],
  [cidr('::ffff:0:0:0/96'), 'IPv4-translated', (b) => b.slice(12)],
  [cidr('64:ff9b::/96'), 'NAT64', (b) => b.slice(12)],
  [cidr('2002::/16'), '6to4', (b) => b.slice(2, 6)],
  // Deprecated IPv4-compatible form; :: and ::1 themselves are matched before this.
  [cidr('::/96'), 'IPv4-compatible', (b) => b.slice(12)],
];

const V6: [Cidr, Category, string][] = [
  [cidr('::/128'), 'unspecified', '::/128'],
  [cidr('::1/128'), 'loopback', '::1/128'],
  [cidr('64:ff9b:1::/48'), 'private', '64:ff9b:1::/48 (local-use NAT64)'],
  [cidr('100::/64'), 'reserved', '100::/64 (discard-only)'],
  [cidr('2001:db8::/32'), 'documentation', '2001:db8::/32'],
  [cidr('2001::/23'), 'reserved', '2001::/23 (IETF protocol assignments, Teredo)'],
  [cidr('3fff::/20'), 'documentation', '3fff::/20'],
  [cidr('fc00::/7'), 'private', 'fc00::/7 (unique local)'],
  [cidr('fe80::/10'), 'link_local', 'fe80::/10'],
  [cidr('fec0::/10'), 'private', 'fec0::/10 (site-local)'],
  [cidr('ff00::/8'), 'multicast', 'ff00::/8'],
];
const GLOBAL_UNICAST_V6 = cidr('2000::/3');

/** What kind of address `b` is; IPv6 forms embedding IPv4 are judged by the IPv4 address. */
export function classifyAddress(b: Uint8Array): Classification {
  if (b.length === 4) {
    const hit = V4.find(([c]) => inPrefix(b, c.bytes, c.prefix));
    return hit ? { category: hit[1], range: hit[2] } : { category: 'public', range: 'global unicast' };
  }
  for (const [c, category, range] of V6.slice(0, 2)) if (inPrefix(b, c.bytes, c.prefix)) return { category, range };
  for (const [c, kind, extract] of V6_EMBEDDING) {
    if (!inPrefix(b, c.bytes, c.prefix)) continue;
    const v4 = extract(b);
    const inner = classifyAddress(v4);
    return { ...inner, note: `${kind} address embedding ${formatAddress(v4)}` };
  }
  const hit = V6.find(([c]) => inPrefix(b, c.bytes, c.prefix));
  if (hit) return { category: hit[1], range: hit[2] };
  if (!inPrefix(b, GLOBAL_UNICAST_V6.bytes, GLOBAL_UNICAST_V6.prefix))
    return { category: 'reserved', range: 'outside 2000::/3 (not global unicast)' };
  return { category: 'public', range: 'global unicast' };
}

// ---------------------------------------------------------------------------------------------
// Policy

// Never a receiver, whatever the settings: 0.0.0.0 reaches this host, the others are not unicast.
const NEVER: ReadonlySet<Category> = new Set(['unspecified', 'multicast', 'broadcast']);
const PRIVATE_SWITCH: ReadonlySet<Category> = new Set(['loopback', 'private']);

const systemLookup: Lookup = (hostname, options) => dns.promises.lookup(hostname, { ...options, all: true });

const warned = new Set<string>();
function warnOnce(message: string) {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

/** The policy the settings describe now (DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE, DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS). */
export function egressPolicy(overrides: Partial<EgressPolicy> = {}): EgressPolicy {
  const settings = webhookEgressSettings();
  const allowCidrs: Cidr[] = [];
  for (const t of settings.allowCidrs) {
    const c = parseCidr(t);
    if (c) allowCidrs.push(c);
    else
      warnOnce(
        `[drawbridge] DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS: "${t}" is not a CIDR (e.g. 10.20.0.0/16 or fd00::/8); it allows nothing.`,
      );
  }
  return { allowPrivate: settings.allowPrivate, allowCidrs, lookup: systemLookup, ...overrides };
}

function allowedByCidr(b: Uint8Array, cidrs: readonly Cidr[]): boolean {
  const forms = [b];
  const embed = b.length === 16 ? V6_EMBEDDING.find(([c]) => inPrefix(b, c.bytes, c.prefix)) : undefined;
  if (embed) forms.push(embed[2](b));
  return cidrs.some((c) => forms.some((f) => inPrefix(f, c.bytes, c.prefix)));
}

/** Null when the policy lets webhooks reach `address`; otherwise why not. */
export function refusal(
  address: string,
  policy: Pick<EgressPolicy, 'allowPrivate' | 'allowCidrs'>,
): { category: Category; reason: string } | null {
  const b = parseAddress(address);
  if (!b) return { category: 'reserved', reason: `${address} is not an IP address` };
  const c = classifyAddress(b);
  if (c.category === 'public') return null;
  if (!NEVER.has(c.category)) {
    if (allowedByCidr(b, policy.allowCidrs)) return null;
    if (policy.allowPrivate && PRIVATE_SWITCH.has(c.category)) return null;
  }
  const label = c.category.replace('_', '-');
  const shown = formatAddress(b);
  return {
    category: c.category,
    reason: `${shown} is ${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label} address (${c.note ? `${c.note}, ` : ''}${c.range})`,
  };
}

function refuse(hostname: string, address: string, r: { category: Category; reason: string }): EgressRefusedError {
  const via = hostname === address ? '' : `${hostname} resolves to ${address}: `;
  const hint = NEVER.has(r.category)
    ? ''
    : r.category === 'loopback' || r.category === 'private'
      ? ' If the receiver really is on an internal network, set DRAWBRIDGE_WEBHOOK_ALLOW_PRIVATE=1 or list its range in DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS.'
      : ' If the receiver really is there, list its range in DRAWBRIDGE_WEBHOOK_ALLOW_CIDRS.';
  return new EgressRefusedError(`Webhooks may not be sent there: ${via}${r.reason}.${hint}`, address, r.category);
}

// RFC 6761: these names are this host whatever a resolver says.
const LOOPBACK_NAME = /(^|\.)localhost\.?$/i;

/**
 * Resolves the URL's host and checks every address it resolves to (one forbidden answer refuses
 * the whole name: which one a client picks is not ours to predict). Returns the address to
 * connect to. Throws EgressRefusedError or EgressDnsError.
 */
export async function vetTarget(url: string | URL, policy: EgressPolicy = egressPolicy()): Promise<VettedTarget> {
  const u = typeof url === 'string' ? new URL(url) : url;
  // WHATWG URL has already normalised 127.1, 2130706433 and 0x7f000001 to 127.0.0.1.
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  let answers: LookupAddress[];
  if (net.isIP(hostname)) {
    answers = [{ address: hostname, family: net.isIP(hostname) }];
  } else if (LOOPBACK_NAME.test(hostname)) {
    answers = [{ address: '127.0.0.1', family: 4 }];
  } else {
    try {
      answers = await policy.lookup(hostname, { all: true, verbatim: true });
    } catch (e) {
      const code = String((e as { code?: string }).code ?? 'EAI_FAIL');
      throw new EgressDnsError(`${hostname} could not be resolved (${code}).`, code);
    }
    if (answers.length === 0) throw new EgressDnsError(`${hostname} has no addresses.`, 'ENODATA');
  }
  for (const a of answers) {
    const r = refusal(a.address, policy);
    if (r) throw refuse(hostname, a.address, r);
  }
  const first = answers[0];
  return {
    hostname,
    address: first.address,
    family: net.isIP(first.address) === 6 ? 6 : 4,
    addresses: answers.map((a) => a.address),
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) that answers with the vetted address only, so the socket connects
 * where the check looked, whatever DNS says by now. The Host header and TLS name stay the URL's.
 */
export function pinnedLookup(target: VettedTarget) {
  return (_hostname: string, options: { all?: boolean } | number | LookupCallback, cb?: LookupCallback) => {
    const callback = (typeof options === 'function' ? options : cb)!;
    const all = typeof options === 'object' && options?.all;
    if (all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}
