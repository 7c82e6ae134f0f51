const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (one worker less than the cores) runs a 2-core machine in band; the suites
  // that wait on child processes (chromium, clasp, the CLIs) leave a core free for another.
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/scripts/jest-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'json', 'cjs', 'mjs'],
  testTimeout: 60000,
};
