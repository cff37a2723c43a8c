// Unit tests of the JSON-lines logger: one object per line, child fields, level filtering, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, silentLogger, stderrLogger } from './log.ts';

test('logger should write one JSON object per line with child fields and the primary key', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), now: () => 0 }).child({ reconciler: 'website' });
  log.info('reconciled', { key: 'ns/a', error: new Error('boom') });
  log.debug('hidden');
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    time: '1970-01-01T00:00:00.000Z',
    level: 'info',
    msg: 'reconciled',
    reconciler: 'website',
    key: 'ns/a',
    error: { name: 'Error', message: 'boom' },
  });
});

test('logger should hand each record it writes to onRecord, with the child fields and unserialised values', () => {
  const records: [string, string, Record<string, unknown>][] = [];
  const error = new Error('boom');
  const log = createLogger({
    level: 'info',
    write: () => undefined,
    onRecord: (level, msg, fields) => records.push([level, msg, fields]),
  }).child({ component: 'cluster' });
  log.debug('build.cached', { dir: '/x' });
  log.warn('build.download.sumdb-unreachable', { error });
  assert.deepEqual(records, [['warn', 'build.download.sumdb-unreachable', { component: 'cluster', error }]]);
});

test('stderrLogger should write every level with its component, and silentLogger nothing', (t) => {
  const written: string[] = [];
  t.mock.method(process.stderr, 'write', (chunk: string) => written.push(chunk));
  stderrLogger('cluster').debug('build.cached', { dir: '/x' });
  silentLogger.child({ a: 1 }).error('never');
  t.mock.restoreAll();
  assert.equal(written.length, 1);
  const line = JSON.parse(written[0] ?? '') as Record<string, unknown>;
  assert.deepEqual(
    { level: line.level, msg: line.msg, component: line.component, dir: line.dir },
    { level: 'debug', msg: 'build.cached', component: 'cluster', dir: '/x' },
  );
  assert.ok(written[0]?.endsWith('\n'));
});
