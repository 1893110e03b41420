/**
 * Where to send someone after sign-in. `next` comes from the URL, so anyone can write a link that
 * sets it: it must never lead off-site (issue 10). Browsers treat `\` as `/`, skip tabs and
 * newlines inside URLs, and some proxies decode `%2F`/`%5C` before the app sees them, so a target
 * is refused when any of its spellings (as sent or after up to four rounds of %-decoding) could be
 * read as scheme-relative, and when `new URL(raw, origin)` lands anywhere but `origin`.
 */
const FALLBACK = '/';
// C0 controls, DEL, and the backslash browsers read as a slash.
const UNSAFE_CHAR = /[\u0000-\u001f\u007f\\]/;
const MAX_DECODES = 4;

export function safeRedirectPath(raw: unknown, origin: string): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > 2048) return FALLBACK;
  // Only a path: absolute URLs, `https:host`, `javascript:` and relative `foo` never qualify.
  if (!raw.startsWith('/')) return FALLBACK;
  let spelling = raw;
  for (let i = 0; i <= MAX_DECODES; i++) {
    if (UNSAFE_CHAR.test(spelling) || /^\/[/\\]/.test(spelling)) return FALLBACK;
    let decoded: string;
    try {
      decoded = decodeURIComponent(spelling);
    } catch {
      return FALLBACK; // a broken %-escape is no link the console wrote
    }
    if (decoded === spelling) break;
    if (i === MAX_DECODES) return FALLBACK; // still changing: encoded deeper than any honest link
    spelling = decoded;
  }
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(raw, base);
  } catch {
    return FALLBACK;
  }
  if (url.origin !== base.origin) return FALLBACK;
  const path = url.pathname + url.search + url.hash;
  // Dot segments can collapse into a leading `//` (`/..//evil` → `//evil`), which is scheme-relative.
  return /^\/[/\\]/.test(path) ? FALLBACK : path;
}
