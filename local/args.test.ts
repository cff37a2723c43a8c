// Tests of npm start's command line: cluster choice, defaults, and clear errors for bad input.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parseStartArgs, UsageError } from './args.ts';

test('parseStartArgs should start a local cluster when neither --kubeconfig nor KUBECONFIG is set', () => {
  const options = parseStartArgs([], {});
  assert.ok(options !== 'help');
  assert.equal(options.kubeconfig, undefined);
  assert.equal(options.namespace, 'zeroloop-demo');
  assert.equal(options.keep, false);
  assert.equal(options.verbose, false);
  assert.match(options.logFile, /zeroloop-start-\d+\.log$/);
  assert.match(options.recordDir, /\.zeroloop\/recordings$/);
  assert.equal(options.recordAll, false);
  const recording = parseStartArgs(['--record-dir', 'rec', '--record-all'], {});
  assert.ok(recording !== 'help');
  assert.equal(recording.recordDir, resolve('rec'));
  assert.equal(recording.recordAll, true);
});

test('parseStartArgs should use KUBECONFIG (all its files, to merge), and --kubeconfig over it', () => {
  const fromEnv = parseStartArgs([], { KUBECONFIG: ':/a/config:rel/b' });
  assert.ok(fromEnv !== 'help');
  assert.equal(fromEnv.kubeconfig, `/a/config:${resolve('rel/b')}`);
  assert.equal(fromEnv.kubeconfigExplicit, false);
  assert.equal(fromEnv.context, undefined);
  const fromFlag = parseStartArgs(
    ['--kubeconfig', 'rel/kc', '--context', 'staging', '--namespace', 'demo-2', '--keep'],
    { KUBECONFIG: '/a/config' },
  );
  assert.ok(fromFlag !== 'help');
  assert.equal(fromFlag.kubeconfig, resolve('rel/kc'));
  assert.equal(fromFlag.kubeconfigExplicit, true);
  assert.equal(fromFlag.context, 'staging');
  assert.equal(fromFlag.namespace, 'demo-2');
  assert.equal(fromFlag.keep, true);
  const empty = parseStartArgs([], { KUBECONFIG: '' });
  assert.ok(empty !== 'help');
  assert.equal(empty.kubeconfig, undefined);
});

test('parseStartArgs should answer help, and refuse unknown flags and bad namespaces clearly', () => {
  assert.equal(parseStartArgs(['--help'], {}), 'help');
  assert.equal(parseStartArgs(['-h'], {}), 'help');
  assert.throws(() => parseStartArgs(['--kubeconfg', 'x'], {}), UsageError);
  assert.throws(() => parseStartArgs(['extra'], {}), UsageError);
  assert.throws(() => parseStartArgs(['--namespace', 'Bad_Name'], {}), /must be a lowercase DNS label/);
  assert.throws(() => parseStartArgs(['--kubeconfig', ''], {}), /needs a path/);
  assert.throws(() => parseStartArgs(['--context', ''], { KUBECONFIG: '/a' }), /needs a context name/);
  assert.throws(() => parseStartArgs(['--context', 'x'], {}), /give --kubeconfig PATH or set KUBECONFIG/);
});
