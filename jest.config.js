'use strict';
// One jest run covers every suite. TypeScript is transpiled per file (isolatedModules in
// test/tsconfig.json); type checking is `tsc -p test` in `pretest`, so jest stays fast.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120_000,
  maxWorkers: 2,
};
