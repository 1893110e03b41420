import type { Metadata } from 'next';
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

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
