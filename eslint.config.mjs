// ESLint flat config. `npm run lint` (and the first stage of `npm test`) runs it with --max-warnings 0.
// Syntax-only typescript-eslint (not the type-checked presets): tsc already type-checks, and this keeps lint fast.
import js from '@eslint/js';
import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.next/',
      '.next-*/',
      'lib/db/generated/',
      'prisma/migrations/',
      'data/',
      'test-results/',
      'playwright-report/',
      'next-env.d.ts',
      'tmp/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Validators here match control characters on purpose (refusing NUL, C0 and DEL in names, paths and redirects).
      'no-control-regex': 'off',
      // `_`-prefixed names are deliberately unused (a required parameter position, a destructured-away field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { '@next/next': nextPlugin },
    rules: { ...nextPlugin.configs.recommended.rules, ...nextPlugin.configs['core-web-vitals'].rules },
    settings: { next: { rootDir: '.' } },
  },
  {
    // Where React code lives. Tests are left out: Playwright's fixture `use` and Vitest helpers named
    // `use…` are not React hooks, and the rules of hooks would misread them.
    files: ['app/**/*.{ts,tsx}', 'components/**/*.{ts,tsx}', 'lib/preview/**/*.{ts,tsx}'],
    ignores: ['**/*.test.{ts,tsx}', '**/test-support/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The whole recommended set: rules-of-hooks, exhaustive-deps and the React Compiler's checks (warnings fail too).
      ...reactHooks.configs.flat.recommended.rules,
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['e2e/**/*.ts'],
    rules: {
      // Playwright reads a fixture's dependencies from its first parameter's destructuring: `{}` means "none".
      'no-empty-pattern': 'off',
    },
  },
);
