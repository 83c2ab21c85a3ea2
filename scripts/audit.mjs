#!/usr/bin/env node
// `make audit`: npm audit of package-lock.json, said plainly.
//   exit 0  the advisory service answered: no known vulnerability
//   exit 1  it answered: vulnerabilities (listed, most severe first)
//   exit 2  it did not answer (offline, a proxy, a registry without the audit endpoint): nothing was checked
// npm's own output for the last case is "audit endpoint returned an error", easy to read as a pass in a log.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--json', ...process.argv.slice(2)], { encoding: 'utf8', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}

if (!report || !report.metadata?.vulnerabilities) {
  const why =
    report?.message ?? report?.error?.summary ?? (run.error ? String(run.error.message) : run.stderr.trim().split('\n')[0]);
  console.error(
    `make audit: the npm advisory service could not be reached (${why || 'no answer'}): nothing was checked. ` +
      'Run it where the registry\'s audit endpoint answers (npm_config_registry names the registry).',
  );
  process.exit(2);
}

const ORDER = ['critical', 'high', 'moderate', 'low', 'info'];
const found = Object.values(report.vulnerabilities ?? {}).sort(
  (a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity) || a.name.localeCompare(b.name),
);
const counts = report.metadata.vulnerabilities;
if (found.length === 0) {
  console.log(`make audit: no known vulnerability in ${report.metadata.dependencies?.total ?? 'the'} dependencies`);
  process.exit(0);
}
for (const vulnerability of found) {
  const advisories = vulnerability.via
    .filter((via) => typeof via === 'object')
    .map((via) => `${via.title} (${via.url})`);
  const fix = vulnerability.fixAvailable ? 'fix available' : 'no fix yet';
  console.log(
    `${vulnerability.severity.padEnd(8)} ${vulnerability.name} ${vulnerability.range}: ` +
      `${advisories.join('; ') || `through ${vulnerability.via.join(', ')}`} [${fix}]`,
  );
}
const summary = ORDER.filter((level) => counts[level] > 0).map((level) => `${counts[level]} ${level}`);
console.log(`make audit: ${found.length} vulnerable package(s): ${summary.join(', ')}`);
process.exit(1);
