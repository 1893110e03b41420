import type { Metadata } from 'next';
import { connection } from 'next/server';
import { publicUrl } from '@/lib/config';
import './globals.css';

export function generateMetadata(): Metadata {
  return {
    // Read at request time so DRAWBRIDGE_PUBLIC_URL applies without a rebuild.
    metadataBase: publicUrl(),
    title: { default: 'Drawbridge', template: '%s · Drawbridge' },
    description: 'Model registry and deployment console for the age-group drawing autoencoders.',
  };
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: Next.js puts the CSP nonce (proxy.ts) on its scripts only
  // while rendering, so a page prerendered at build time (the 404 page was) would carry scripts
  // without it, and the browser would refuse them.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
