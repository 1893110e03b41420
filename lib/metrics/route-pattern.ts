/**
 * The route pattern of a request, `/api/v1/training/models/exports/[model_id]`, from its URL and
 * the params Next.js matched: each path segment equal to a param's value becomes `[name]`, so the
 * metrics have one series per route, not one per model id.
 */
export function routePattern(url: string, params: Record<string, string | string[]> | undefined): string {
  const segments = new URL(url).pathname.split('/');
  const byValue = new Map<string, string>();
  for (const [name, value] of Object.entries(params ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) byValue.set(v, name);
  }
  return segments
    .map((s) => {
      let decoded = s;
      try {
        decoded = decodeURIComponent(s);
      } catch {
        // a broken %-escape names no param
      }
      const name = byValue.get(decoded);
      return name ? `[${name}]` : s;
    })
    .join('/');
}
