export default function ShareNotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-xl font-semibold">This link is not available</h1>
      <p className="mt-2 text-sm text-slate-600">
        It may have been revoked or have expired. Ask the person who shared it for a new link.
      </p>
    </main>
  );
}
