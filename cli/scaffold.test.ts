// Unit tests of `zeroloop new`'s inputs: names, kinds, groups and versions from the command line, and template rendering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './command.ts';
import { placeholdersFor, pluralOf } from './commands/new.ts';
import { resolveKind } from './kinds.ts';
import { render, TemplateInvalid } from './scaffold.ts';

test('placeholders own exactly the kinds asked, in order; the starting logic writes the first', () => {
  const p = placeholdersFor('status-page', {
    owns: ['Deployment,ConfigMap', 'example.com/v1/Widget', 'Deployment'],
  });
  assert.equal(p.Kind, 'StatusPage');
  assert.equal(p.plural, 'statuspages');
  assert.equal(p.apiVersion, 'examples.zeroloop.dev/v1alpha1');
  assert.deepEqual(JSON.parse(p.ownsJson), [
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'example.com/v1', kind: 'Widget' },
  ]);
  assert.equal(p.ownsList, 'apps/v1 Deployment, v1 ConfigMap, example.com/v1 Widget');
  assert.deepEqual([p.ownedApiVersion, p.ownedKind], ['apps/v1', 'Deployment']);
  assert.match(p.ownedBodyTs, /selector: \{ matchLabels: labels \}/);
  assert.match(p.ownedBodyTs, /value: spec\.message/);
  assert.match(p.ownedBodyGo, /^map\[string\]any\{"spec": map\[string\]any\{"replicas": 1,/);
});

test('without --owns a reconciler owns one ConfigMap holding the message', () => {
  const p = placeholdersFor('greeting', { owns: [] });
  assert.deepEqual(JSON.parse(p.ownsJson), [{ apiVersion: 'v1', kind: 'ConfigMap' }]);
  assert.deepEqual([p.ownedApiVersion, p.ownedKind], ['v1', 'ConfigMap']);
  assert.equal(p.ownedBodyTs, '{ data: { message: spec.message } }');
  assert.equal(p.ownedBodyGo, 'map[string]any{"data": map[string]any{"message": message}}');
});

test('a kind the CLI has no starting body for gets spec.message', () => {
  const p = placeholdersFor('widgets', { owns: ['example.com/v1/Widget'] });
  assert.equal(p.ownedBodyTs, '{ spec: { message: spec.message } }');
});

test('plurals follow the usual English rules', () => {
  assert.deepEqual(['Policy', 'Gateway', 'Ingress', 'Box', 'Website'].map(pluralOf), [
    'policies',
    'gateways',
    'ingresses',
    'boxes',
    'websites',
  ]);
});

test('bad names, kinds, groups and versions are UsageErrors saying what to write', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => placeholdersFor('Bad_Name', { owns: [] }), /DNS label.*like "greeting"/],
    [() => placeholdersFor('9lives', { owns: [] }), /"9lives" is not a kind: write it in UpperCamelCase/],
    [() => placeholdersFor('ok', { primary: 'thing', owns: [] }), /--primary "thing" is not a kind/],
    [() => placeholdersFor('ok', { group: 'nodot', owns: [] }), /--group "nodot".*with a dot/],
    [() => placeholdersFor('ok', { version: '1', owns: [] }), /--version "1".*like v1, v1alpha1/],
    [() => resolveKind('Widget'), /write it as apiVersion\/Kind/],
    [() => resolveKind('apps/vX/Deployment'), /"apps\/vX" is not an API version/],
  ];
  for (const [call, message] of cases)
    assert.throws(call, (e) => e instanceof UsageError && message.test(e.message));
});

test('render replaces known placeholders and names the file of an unknown one', () => {
  const values = placeholdersFor('greeting', { owns: [] });
  assert.equal(
    render('kind: {{Kind}} in {{apiVersion}}', values, 'x'),
    'kind: Greeting in examples.zeroloop.dev/v1alpha1',
  );
  assert.throws(
    () => render('{{Knid}}', values, 'src/index.ts.tmpl'),
    (e) =>
      e instanceof TemplateInvalid && /src\/index.ts.tmpl: unknown placeholder \{\{Knid\}\}/.test(e.message),
  );
});
