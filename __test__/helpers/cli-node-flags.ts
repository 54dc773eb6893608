// The node flags the `ferrolb` command runs with, read from its shebang line
// (`#!/usr/bin/env -S node FLAGS...`), so processes that tests and benchmarks start with an
// explicit node binary (Node 20 or 24) run the CLI exactly as the installed command does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(fileURLToPath(new URL('../../', import.meta.url)), 'src/cli/main.ts');

export function cliNodeFlags(): string[] {
  const first = readFileSync(main, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node(?<flags>(?: \S+)*)$/.exec(first);
  if (!m) throw new Error(`${main}: unexpected first line ${JSON.stringify(first)}`);
  return (m.groups?.flags ?? '').split(' ').filter(Boolean);
}
