/**
 * The one deep copy through JSON: what a value becomes once stored in a JSON column or sent over a
 * wire (Dates as ISO strings, undefined members and functions dropped). JSON has no BigInt, so a
 * BigInt is converted rather than thrown on: to a Number by default (what the database stores and
 * the audit chain hashes), or to its exact digits as a string where precision matters more.
 */
export function jsonClone<T = unknown>(value: unknown, bigint: 'number' | 'string' = 'number'): T {
  const text = JSON.stringify(value, (_k, x) =>
    typeof x === 'bigint' ? (bigint === 'number' ? Number(x) : String(x)) : x,
  );
  // JSON.stringify(undefined) is undefined, which JSON.parse would refuse: nothing in, nothing out.
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}
