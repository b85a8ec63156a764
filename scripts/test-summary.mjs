// Adds up the results of both test runners into one closing line: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from "node:fs";

const [vitestJson, pytestXml] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

if (vitestJson && existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
} else failed += 1;

if (pytestXml && existsSync(pytestXml)) {
  const x = readFileSync(pytestXml, "utf8");
  const attr = (name) => Number((x.match(new RegExp(`<testsuite [^>]*\\b${name}="(\\d+)"`)) ?? [])[1] ?? 0);
  const total = attr("tests");
  const bad = attr("failures") + attr("errors");
  const skip = attr("skipped");
  passed += total - bad - skip;
  failed += bad;
  skipped += skip;
} else failed += 1;

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
