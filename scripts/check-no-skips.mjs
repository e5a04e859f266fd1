// Fails CI when any test was skipped, marked todo, or pending: a test that did not run
// is not a passing test (DEVELOPERS.md).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/test-results.json';
const results = JSON.parse(readFileSync(file, 'utf8'));
const notRun = [];
for (const suite of results.testResults ?? []) {
  for (const t of suite.assertionResults ?? []) {
    if (t.status !== 'passed' && t.status !== 'failed') notRun.push(`${t.status}: ${t.fullName} (${suite.name})`);
  }
}
console.log(
  `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ` +
    `${results.numPendingTests} skipped, ${results.numTodoTests} todo`,
);
if (notRun.length > 0 || results.numFailedTests > 0 || results.numTotalTests === 0) {
  for (const line of notRun) console.error(line);
  console.error('CI fails: every test must run and pass.');
  process.exit(1);
}
