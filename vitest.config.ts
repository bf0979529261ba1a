import {BaseSequencer, type TestSpecification} from 'vitest/node'
import {defineConfig} from 'vitest/config'

/** The Linux boots take minutes: start them first, so that the rest of the suite runs beside them, not after. */
class LinuxFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const isLinux = (file: TestSpecification) => file.moduleId.replaceAll('\\', '/').includes('/test/e2e/linux/')
    return [...sorted.filter(isLinux), ...sorted.filter((file) => !isLinux(file))]
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real worker processes; a loaded CI machine is slower.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // End-to-end tests spawn `node bin/run.js`; two cores is the machine size.
    pool: 'forks',
    // Both cores: vitest's default (one fewer than the cores) runs the files one at a time on a
    // two-core machine, while most end-to-end time is spent waiting on guests and child processes.
    maxWorkers: 2,
    sequence: {sequencer: LinuxFirst},
  },
})
