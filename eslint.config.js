'use strict';
// The linter keeps the style that review should not have to: typescript-eslint's recommended
// rules for the TypeScript sources, ESLint's for the JavaScript (bench, deploy scripts, bins).
// Formatting is prettier's (`npm run lint` checks both; `npm run format` rewrites).
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.bench/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Patched functions keep their own `this`; the instrumentation is reached by this name,
      // as in opentelemetry-js-contrib.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['instrumentation'] }],
    },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    // The fakes answer as the providers' APIs do: loosely typed JSON, read as such.
    files: ['test/instrumentation/fakes/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
