// runFilter: CEL over body and headers; only a bool true matches; errors are reported, not thrown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilter, runFilter } from './filter.ts';

const body = { ref: 'refs/heads/main', size: 3, commits: [{ id: 'a', modified: ['docs/x.md'] }] };
const headers = { 'x-github-event': 'push' };

test('runFilter should match the expressions a hook would use', () => {
  for (const expression of [
    'body.ref == "refs/heads/main"',
    'body.ref.startsWith("refs/heads/") && headers["x-github-event"] == "push"',
    'body.size == 3 && size(body.commits) > 0',
    'body.commits.exists(c, c.modified.exists(f, f.startsWith("docs/")))',
    'body.ref.matches("^refs/heads/(main|release-.*)$")',
    'has(body.ref) && !has(body.deleted)',
  ]) {
    assert.deepEqual(runFilter(expression, body, headers), { ok: true, matched: true }, expression);
  }
  assert.deepEqual(runFilter('body.ref == "refs/heads/dev"', body, headers), { ok: true, matched: false });
});

test('runFilter should report a non-bool result, a missing key and a syntax error', () => {
  assert.deepEqual(runFilter('body.size', body, headers), {
    ok: false,
    message: 'filter gave a number, not a bool',
  });
  const missing = runFilter('body.nope == 1', body, headers);
  assert.ok(!missing.ok);
  assert.match(missing.message, /^filter failed: .*nope/);
  const syntax = compileFilter('body.ref ==');
  assert.ok(!syntax.ok);
  assert.match(syntax.message, /^filter does not parse: /);
});
