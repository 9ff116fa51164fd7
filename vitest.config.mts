import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Native addons (DuckDB, better-sqlite3, talib) are happiest in child processes.
    pool: 'forks',
    // Notebook tests start a real Jupyter server and kernels; give them room on a 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Fails the run when a test leaves a process or a temp folder behind (tests/helpers/leftovers.ts).
    globalSetup: ['tests/helpers/leftovers.ts'],
  },
});
