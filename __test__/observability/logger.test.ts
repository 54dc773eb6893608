import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLogger, parseLogLevel, type LogLevel } from '../../src/observability/logger.js';

function capture(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    base: { component: 'speaker', node: 'node1' },
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { log, lines };
}

test('parseLogLevel accepts MetalLB levels and names the flag otherwise', () => {
  for (const [text, level] of [
    ['info', 'info'],
    ['DEBUG', 'debug'],
    [' warn ', 'warn'],
    ['all', 'all'],
    ['none', 'none'],
    ['error', 'error'],
  ] as const) {
    assert.equal(parseLogLevel(text), level, text);
  }
  assert.throws(
    () => parseLogLevel('verbose'),
    /^Error: --log-level: "verbose" is not one of all, debug, info, warn, error, none$/,
  );
});

test('lines carry time, level word, identity fields, message and fields', () => {
  const { log, lines } = capture('info');
  log.info('service announced', { service: 'default/web', ips: ['192.0.2.10'] });
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.ok(line);
  assert.equal(line.level, 'info');
  assert.equal(line.component, 'speaker');
  assert.equal(line.node, 'node1');
  assert.equal(line.msg, 'service announced');
  assert.equal(line.service, 'default/web');
  assert.deepEqual(line.ips, ['192.0.2.10']);
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('each level lets through what it should', () => {
  const cases: Array<[LogLevel, string[]]> = [
    ['all', ['debug', 'info', 'warn', 'error']],
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['none', []],
  ];
  for (const [level, expected] of cases) {
    const { log, lines } = capture(level);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    assert.deepEqual(
      lines.map((l) => l.level),
      expected,
      level,
    );
  }
});

test('an Error passed as a field keeps its message and stack', () => {
  const { log, lines } = capture('info');
  log.error('apply failed', { error: new Error('boom') });
  const err = lines[0]?.error as { message?: string; stack?: string; type?: string } | undefined;
  assert.equal(err?.message, 'boom');
  assert.equal(err?.type, 'Error');
  assert.match(err?.stack ?? '', /apply failed|boom/);
});
