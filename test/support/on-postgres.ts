/**
 * `node --import tsx test/support/on-postgres.ts FILE...`: runs the given test files again with
 * OTPGATE_TEST_DB=postgres, so the end-to-end suites prove the same behaviour on both databases.
 * PostgreSQL unreachable: fails under OTPGATE_TEST_REQUIRE_ALL=1 (CI), else skips loudly (a laptop without it).
 */
import { spawnSync } from 'node:child_process';
import { postgresAvailable, REQUIRE_ALL, UNREACHABLE } from './postgres.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('on-postgres: name the test files to run');
  process.exit(2);
}

if (!(await postgresAvailable())) {
  if (REQUIRE_ALL) {
    console.error(`\nFAIL: ${UNREACHABLE}; OTPGATE_TEST_REQUIRE_ALL=1 requires the PostgreSQL pass.\n`);
    process.exit(1);
  }
  console.warn(`\n!!! SKIPPED the PostgreSQL pass (${files.length} files): ${UNREACHABLE}. They did NOT run on PostgreSQL. !!!\n`);
  process.exit(0);
}

console.log(`\n# PostgreSQL pass: ${files.length} files with OTPGATE_TEST_DB=postgres\n`);
// Two files at a time, as in the SQLite pass: each has databases of its own, and much of a file's time
// is spent waiting on PostgreSQL rather than on the CPU.
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, OTPGATE_TEST_DB: 'postgres' },
});
process.exit(run.status ?? 1);
