// Prints "N passed, N failed" from vitest's JSON report; a run that left no report counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [report, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  // A file that failed before running any test (an import error, a missing program) counts once.
  const brokenFiles = r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  failed = r.numFailedTests + brokenFiles + r.numPendingTests + r.numTodoTests;
  if (r.numPendingTests) console.log(`${r.numPendingTests} test(s) skipped: in CI every suite must run`);
} else {
  failed = 1;
}
if (status !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
