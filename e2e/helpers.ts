import { expect, type Page } from '@playwright/test';

export const USERS = {
  viewer: { email: 'viewer@drawbridge.test', password: 'drawbridge-viewer', name: 'Vera Viewer' },
  reviewer: { email: 'reviewer@drawbridge.test', password: 'drawbridge-reviewer', name: 'Remy Reviewer' },
  deployer: { email: 'deployer@drawbridge.test', password: 'drawbridge-deployer', name: 'Dana Deployer' },
  admin: { email: 'admin@drawbridge.test', password: 'drawbridge-admin', name: 'Ada Admin' },
} as const;
export type RoleName = keyof typeof USERS;

export async function signIn(page: Page, role: RoleName, next = '/') {
  const u = USERS[role];
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password').fill(u.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-role')).toHaveText(role);
}
