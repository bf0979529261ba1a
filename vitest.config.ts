import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real worker processes; a loaded CI machine is slower.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // End-to-end tests spawn `node bin/run.js`; two cores is the machine size.
    pool: 'forks',
  },
})
