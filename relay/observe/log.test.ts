// Unit tests of the JSON-lines logger: one object per line, child fields, level filtering, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './log.ts';

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
