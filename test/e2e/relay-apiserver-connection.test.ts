// E2e: the KubeClient recovers from an HTTP/2 connection the apiserver has poisoned, and never sends a body over its limit.
//
// Seen against kube-apiserver 1.35: after a 20 MiB request body the apiserver answers ENHANCE_YOUR_CALM,
// and every later request on that HTTP/2 connection fails the same way (for minutes, until undici drops
// the session). A 3.2 MiB body gets a clean 413 ("limit is 3145728"); a 2.9 MiB ConfigMap a 422.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Dispatcher } from 'undici';
import { fetch } from 'undici';
import {
  KubeApiError,
  KubeClient,
  MAX_REQUEST_BODY_BYTES,
  RequestBodyTooLarge,
} from '../../relay/kube/client.ts';
import { agentFor } from '../../relay/kube/connection.ts';
import type { RestConfig } from '../../relay/kube/rest-config.ts';
import { sharedControlPlane } from '../support/cluster.ts';

let config: RestConfig;

before(async () => {
  config = (await sharedControlPlane()).restConfig;
});

function client() {
  const agents: Dispatcher[] = [];
  const kube = new KubeClient(config, {
    agentFor: (c) => {
      const agent = agentFor(c);
      agents.push(agent);
      return agent;
    },
  });
  return { kube, agents };
}

test('after the apiserver poisons the HTTP/2 connection, one call fails and the next succeeds on a fresh connection', async () => {
  const { kube, agents } = client();
  try {
    await kube.request('GET', '/api/v1/namespaces/default');
    const poisoned = agents[0];
    assert.ok(poisoned);
    // What the relay no longer sends itself: a 20 MiB body, on the client's own connection.
    const auth = config.auth.type === 'token' ? { authorization: `Bearer ${config.auth.token}` } : undefined;
    await assert.rejects(
      fetch(`${config.server}/api/v1/namespaces/default/configmaps?dryRun=All`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'big' },
          data: { x: 'y'.repeat(20 * 1024 * 1024) },
        }),
        dispatcher: poisoned,
      }),
    );
    await assert.rejects(kube.request('GET', '/api/v1/namespaces/default'), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.status, 0, 'no answer on the poisoned connection');
      return true;
    });
    assert.equal(agents.length, 2, 'the failure replaced the connection');
    const started = performance.now();
    const ns = (await kube.request('GET', '/api/v1/namespaces/default')) as { metadata: { name: string } };
    assert.equal(ns.metadata.name, 'default');
    console.log(
      `apiserver-connection: recovered on the next call (${Math.round(performance.now() - started)} ms)`,
    );
  } finally {
    await kube.close();
  }
});

test('a body over 3 MiB is refused before it is sent, naming the object and what to do', async () => {
  const { kube, agents } = client();
  try {
    const path = '/api/v1/namespaces/default/configmaps/too-big';
    await assert.rejects(
      kube.request('PATCH', path, {
        query: { fieldManager: 'e2e', dryRun: 'All' },
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'too-big', namespace: 'default' },
          data: { x: 'y'.repeat(MAX_REQUEST_BODY_BYTES) },
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof RequestBodyTooLarge);
        assert.match(
          error.message,
          /too-big: 413 request body of \d+ bytes is over the apiserver's 3145728-byte limit/,
        );
        return true;
      },
    );
    assert.deepEqual(await kube.request('GET', '/api/v1/namespaces/default').then(() => 'ok'), 'ok');
    assert.equal(agents.length, 1, 'nothing went wrong with the connection');
  } finally {
    await kube.close();
  }
});
