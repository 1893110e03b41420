import { notFound } from 'next/navigation';

/**
 * Any address no console route matches. Without it Next.js renders the root not-found page,
 * outside the console layout; here the 404 renders inside the shell (../not-found.tsx).
 */
export default function MissingPage() {
  notFound();
}
