#!/usr/bin/env node
// `npm run bench [-- GROUP...]`: runs benchmark groups from bench/groups/<group>.mjs, prints a
// table and writes bench/results.json: { "<metric>": { "value": number, "unit": string } }.
// Each group module exports `async function run({ record, log })`; `record(name, value, unit)`
// stores one metric. Metrics of groups not run this time are kept from the previous file, so
// running one group refreshes only its own numbers.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const groupsDir = join(here, 'groups');
const resultsPath = join(here, 'results.json');
const available = readdirSync(groupsDir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((g) => !available.includes(g));
if (unknown.length) {
  console.error(`unknown bench group(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const groups = wanted.length ? wanted : available;

const results = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};
const rows = [];
const machine = `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
console.log(`machine: ${machine}`);

let failed = false;
for (const group of groups) {
  console.log(`\n## ${group}`);
  const mod = await import(pathToFileURL(join(groupsDir, `${group}.mjs`)).href);
  const record = (name, value, unit) => {
    if (!Number.isFinite(value)) throw new Error(`metric ${name}: not a finite number: ${value}`);
    results[name] = { value, unit };
    rows.push({ metric: name, value, unit });
    console.log(`  ${name} = ${formatValue(value)} ${unit}`);
  };
  try {
    await mod.run({ record, log: (...a) => console.log('  ', ...a) });
  } catch (err) {
    failed = true;
    console.error(`  group ${group} failed: ${err?.stack ?? err}`);
  }
}

results['_machine'] = { value: cpus().length, unit: machine };
writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
console.log('\n' + table(rows));
console.log(`\nwrote ${resultsPath}`);
process.exit(failed ? 1 : 0);

function formatValue(v) {
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 1000) / 1000);
}

function table(list) {
  const lines = list.map((r) => [r.metric, formatValue(r.value), r.unit]);
  const widths = [0, 1, 2].map((i) => Math.max(6, ...lines.map((l) => l[i].length)));
  const fmt = (l) => l.map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [fmt(['metric', 'value', 'unit']), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join(
    '\n',
  );
}
