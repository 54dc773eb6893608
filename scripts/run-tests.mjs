#!/usr/bin/env node
// One entry point for every test: Rust unit tests, then TypeScript unit tests (in parallel),
// then integration tests (one file at a time: they start daemons, namespaces and API servers).
//
//   npm test                 everything
//   npm test -- unit         Rust + TypeScript unit tests only
//   npm test -- integration  integration tests only (needs root and the packages .ci/run installs)
//   npm test -- FILTER       only test files whose path contains FILTER
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const arg = process.argv[2] ?? 'all';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const all = findTests(join(root, '__test__'));
const isIntegration = (f) => f.includes('/integration/') || f.includes('.int.test.');
const byKind = {
  unit: all.filter((f) => !isIntegration(f)),
  integration: all.filter(isIntegration),
};
const selected =
  arg === 'all' || arg === 'unit' || arg === 'integration' ? null : all.filter((f) => f.includes(arg));

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const node = (files, concurrency) =>
  run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files]);

if (selected) {
  if (selected.length === 0) {
    console.error(`no test file matches ${arg}`);
    process.exit(1);
  }
  node(selected, 1);
} else {
  if (arg !== 'integration') {
    run('cargo', ['test', '--manifest-path', 'native/Cargo.toml']);
    if (byKind.unit.length) node(byKind.unit, 2);
  }
  if (arg !== 'unit' && byKind.integration.length) node(byKind.integration, 1);
}
