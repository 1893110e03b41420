// A Node.js resolve hook for our hosts outside Next.js: the CLI (cli/drawbridge.mjs) and the task
// workers (lib/workers/entry.mjs). Next.js resolves `server-only` to an empty module on the server
// and fails the build when client code reaches it; plain Node takes the package's default export,
// which throws. These hosts are servers, so they get the package's own `react-server` export, for
// this one specifier only: React and the rest keep their ordinary resolution. Scripts run by tsx
// pass `--conditions=react-server` instead (nothing they load imports React).
export async function resolve(specifier, context, nextResolve) {
  if (specifier !== 'server-only') return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'react-server'] });
}
