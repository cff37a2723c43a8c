// Hooks in REAL workerd (wrangler build, the ClusterHooks Durable Object on SQLite, hibernatable WebSockets): GitHub's own payloads and signatures, every refusal, at-least-once delivery, and cluster isolation.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { HOOK_ROUTES, type HookConfig } from '../../src/protocol/hooks.ts';
import { startWorker, TEST_CONFIG, type RunningWorker } from '../testing/harness.ts';
import {
  CLUSTER_KEYS,
  type ClusterKey,
  githubExamples,
  githubHeaders,
  HOOK_TEST_SECRETS,
  hookConfig,
  hookStatus,
  postHook,
  RelaySocket,
  relayHeaders,
  upgradeStatus,
} from '../testing/hooks.ts';

const A = CLUSTER_KEYS.a;
const B = CLUSTER_KEYS.b;
const GITHUB_SECRET = 'github-hook-secret-of-cluster-a';
let worker: RunningWorker;
let push: Record<string, unknown>;
let tagPush: Record<string, unknown>;

before(async () => {
  worker = await startWorker(TEST_CONFIG, HOOK_TEST_SECRETS);
  const pushes = await githubExamples('push');
  const main = pushes.find((p) => p.ref === 'refs/heads/master');
  const tag = pushes.find((p) => typeof p.ref === 'string' && p.ref.startsWith('refs/tags/'));
  assert.ok(main && tag, 'the examples hold a branch push and a tag push');
  push = main;
  tagPush = tag;
});
after(async () => {
  await worker.close();
});

/** Waits until the object of `key`'s cluster has handled `frames` frames in all. */
async function handled(key: ClusterKey, frames: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await hookStatus(worker.url, key)).handledFrames < frames) {
    if (Date.now() > deadline) throw new Error(`the object never handled frame ${String(frames)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects as `key`'s relay, sends `hooks`, and waits until the object handled them. */
async function relayWith(key: ClusterKey, hooks: HookConfig[]): Promise<RelaySocket> {
  const before = (await hookStatus(worker.url, key)).handledFrames;
  const relay = await RelaySocket.open(worker.url, key);
  relay.send({ type: 'hooks', hooks });
  await handled(key, before + 1);
  return relay;
}

async function errorOf(response: Response, status: number): Promise<ErrorBody['error']> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return ErrorBody.parse(JSON.parse(text)).error;
}

async function postPush(hook: HookConfig, payload: unknown, delivery = randomUUID(), event = 'push') {
  const body = JSON.stringify(payload);
  return postHook(worker.url, hook.path, body, await githubHeaders(hook.secret, body, event, delivery));
}

describe('hooks in workerd', () => {
  let relay: RelaySocket;
  let main: HookConfig;
  let tags: HookConfig;
  let vector: HookConfig;

  before(async () => {
    main = await hookConfig(A.cluster, {
      name: 'git-push',
      type: 'github',
      secret: GITHUB_SECRET,
      events: ['push'],
      filter: 'body.ref == "refs/heads/master"',
      summary: { maxBytes: 2048, fields: ['ref', 'after', 'repository.full_name'] },
    });
    tags = await hookConfig(A.cluster, {
      name: 'tags',
      type: 'github',
      secret: 'tag-secret',
      filter: 'body.ref.startsWith("refs/tags/")',
    });
    vector = await hookConfig(A.cluster, {
      name: 'vector',
      type: 'github',
      secret: "It's a Secret to Everybody",
    });
    relay = await relayWith(A, [main, tags, vector]);
  });
  after(async () => {
    await relay.close();
  });

  test("GitHub's documented X-Hub-Signature-256 test vector is accepted", async () => {
    const response = await postHook(worker.url, vector.path, 'Hello, World!', {
      'content-type': 'text/plain',
      'x-github-event': 'ping',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    assert.equal(response.status, 202, await response.clone().text());
    assert.equal(((await response.json()) as { accepted: boolean }).accepted, true);
  });

  test('a real GitHub push signed as GitHub signs it is stored and delivered with its summary', async () => {
    const delivery = randomUUID();
    const response = await postPush(main, push, delivery);
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), { accepted: true, delivery });
    await relay.until(() => relay.json('delivery').some((d) => d.id === delivery), 'the delivery');
    const frame = relay.json('delivery').find((d) => d.id === delivery);
    assert.deepEqual(frame, {
      type: 'delivery',
      id: delivery,
      hook: main.path,
      reconciler: 'sites',
      namespace: 'default',
      name: 'git-push',
      source: 'github',
      event: 'push',
      summary: {
        ref: push.ref,
        after: push.after,
        'repository.full_name': (push.repository as { full_name: string }).full_name,
      },
      acceptedAt: frame?.acceptedAt,
    });
    relay.send({ type: 'ack', ids: [delivery] });
  });

  test('a push to another ref does not pass the filter: 202 accepted false, nothing stored', async () => {
    const before = (await hookStatus(worker.url, A)).pending;
    const response = await postPush(main, tagPush);
    assert.equal(response.status, 202);
    const body = (await response.json()) as { accepted: boolean; reason: string };
    assert.equal(body.accepted, false);
    assert.equal(body.reason, 'the filter did not match');
    assert.equal((await hookStatus(worker.url, A)).pending, before);
    const other = await postPush(tags, tagPush);
    assert.equal(((await other.json()) as { accepted: boolean }).accepted, true, 'the tag hook takes it');
  });

  test('an event the hook does not accept is answered 202 accepted false', async () => {
    const response = await postPush(main, push, randomUUID(), 'issues');
    assert.equal(response.status, 202);
    assert.match(((await response.json()) as { reason: string }).reason, /event "issues" is not one/);
  });

  test('a wrong signature, an unknown digest, an unknown cluster and a malformed path get the same 401', async () => {
    const body = JSON.stringify(push);
    const headers = await githubHeaders('not-the-secret', body, 'push', randomUUID());
    const answers = await Promise.all(
      [
        main.path,
        `/hooks/${A.cluster}/${'0'.repeat(64)}`,
        `/hooks/nowhere/${main.path.slice(-64)}`,
        '/hooks/x',
      ].map(async (path) => {
        const response = await postHook(worker.url, path, body, headers);
        return { status: response.status, body: await response.text() };
      }),
    );
    const [first] = answers;
    assert.ok(first);
    for (const a of answers) assert.deepEqual(a, first);
    assert.equal(first.status, 401);
    assert.equal(ErrorBody.parse(JSON.parse(first.body)).error.code, 'unauthorized');
  });

  test('a replayed delivery is refused with 409 and stored once', async () => {
    const delivery = randomUUID();
    assert.equal((await postPush(main, push, delivery)).status, 202);
    const again = await errorOf(await postPush(main, push, delivery), 409);
    assert.equal(again.code, 'duplicate_delivery');
    await relay.until(
      () => relay.json('delivery').filter((d) => d.id === delivery).length === 1,
      'one delivery',
    );
    relay.send({ type: 'ack', ids: [delivery] });
  });

  test('a body over the cap is refused with 413; a hook with a larger cap takes it', async () => {
    const big = JSON.stringify({ ref: 'refs/heads/master', pad: 'x'.repeat(1024 * 1024) });
    const refused = await errorOf(
      await postHook(
        worker.url,
        main.path,
        big,
        await githubHeaders(GITHUB_SECRET, big, 'push', randomUUID()),
      ),
      413,
    );
    assert.equal(refused.code, 'payload_too_large');
    const unknown = await postHook(worker.url, `/hooks/${A.cluster}/${'1'.repeat(64)}`, big, {});
    assert.equal(unknown.status, 413, 'an unknown path caps at the default too');
    const large = await hookConfig(A.cluster, {
      name: 'large',
      type: 'github',
      secret: 'large-secret',
      maxBodyBytes: 2 * 1024 * 1024,
    });
    const relayLarge = await relayWith(A, [main, tags, vector, large]);
    const taken = await postHook(
      worker.url,
      large.path,
      big,
      await githubHeaders(large.secret, big, 'push', randomUUID()),
    );
    assert.equal(taken.status, 202, await taken.clone().text());
    const over = JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal((await postHook(worker.url, large.path, over, {})).status, 413);
    await relayLarge.close();
  });
});

describe('hooks in workerd: rate limit, redelivery and keep-alive', () => {
  test('a hook over its rate limit gets 429 with Retry-After', async () => {
    const hook = await hookConfig(A.cluster, {
      name: 'limited',
      type: 'generic-hmac',
      secret: 'limited-secret',
      rateLimit: { perMinute: 2 },
    });
    const relay = await relayWith(A, [hook]);
    const post = async () => {
      const body = JSON.stringify({ n: randomUUID() });
      const { createHmac } = await import('node:crypto');
      const signature = `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
      return postHook(worker.url, hook.path, body, { 'x-signature': signature });
    };
    assert.equal((await post()).status, 202);
    assert.equal((await post()).status, 202);
    const third = await post();
    assert.equal(third.status, 429);
    assert.ok(
      Number(third.headers.get('retry-after')) >= 1,
      `Retry-After ${String(third.headers.get('retry-after'))}`,
    );
    assert.equal(ErrorBody.parse(await third.json()).error.code, 'rate_limited');
    relay.send({ type: 'ack', ids: relay.json('delivery').map((d) => String(d.id)) });
    await relay.close();
  });

  test('a delivery not acknowledged before the connection drops is sent again on the next one, and not after its ack', async () => {
    const hook = await hookConfig(A.cluster, {
      name: 'redeliver',
      type: 'bearer',
      secret: 'bearer-token-of-a',
    });
    const first = await relayWith(A, [hook]);
    const delivery = `d-${randomUUID()}`;
    const response = await postHook(worker.url, hook.path, '{"x":1}', {
      authorization: `Bearer ${hook.secret}`,
      'x-delivery-id': delivery,
    });
    assert.equal(response.status, 202);
    await first.until(() => first.json('delivery').some((d) => d.id === delivery), 'the first send');
    await first.close();

    const second = await RelaySocket.open(worker.url, A);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(second.json('delivery').length, 0, 'nothing is sent before the connection sends its hooks');
    second.send({ type: 'hooks', hooks: [hook] });
    await second.until(() => second.json('delivery').some((d) => d.id === delivery), 'the resend');
    second.send({ type: 'ack', ids: [delivery] });
    await new Promise((r) => setTimeout(r, 200));
    await second.close();

    const third = await relayWith(A, [hook]);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!third.json('delivery').some((d) => d.id === delivery), 'an acknowledged delivery is gone');
    await third.close();
  });

  test('"ping" is answered "pong" by the runtime without running the object\'s code', async () => {
    const relay = await relayWith(A, []);
    const before = await hookStatus(worker.url, A);
    for (let i = 0; i < 20; i++) relay.send('ping');
    await relay.until(() => relay.frames.filter((f) => f === 'pong').length === 20, '20 pongs');
    const after = await hookStatus(worker.url, A);
    assert.equal(after.handledFrames, before.handledFrames, 'no ping reached webSocketMessage');
    assert.ok(
      after.lastPongAt !== undefined && after.lastPongAt >= Date.now() - 10_000,
      'the runtime answered',
    );
    relay.send({ type: 'hooks', hooks: [] });
    await handled(A, before.handledFrames + 1);
    assert.equal(
      (await hookStatus(worker.url, A)).handledFrames,
      before.handledFrames + 1,
      'a real frame is counted',
    );
    await relay.close();
  });
});

describe('hooks in workerd: who may connect', () => {
  test('a forged or unsigned connect is refused with 401 and never upgraded', async () => {
    const forged = await relayHeaders({ ...A, secret: 'not-cluster-a-secret' }, HOOK_ROUTES.connect);
    assert.equal(await upgradeStatus(worker.url, forged), 401);
    assert.equal(await upgradeStatus(worker.url, {}), 401);
    const otherPath = await relayHeaders(A, HOOK_ROUTES.status);
    assert.equal(await upgradeStatus(worker.url, otherPath), 401, 'a signature for another path');
  });

  test("a key of cluster A reaches only A's object (B's hooks and deliveries stay B's); a refused frame changes nothing", async () => {
    const hookB = await hookConfig(B.cluster, {
      name: 'b-hook',
      type: 'gitlab',
      secret: 'gitlab-token-of-b',
    });
    const hookA = await hookConfig(A.cluster, {
      name: 'a-hook',
      type: 'bearer',
      secret: 'bearer-token-of-a',
    });
    const relayA = await relayWith(A, [hookA]);
    relayA.send({ type: 'hooks', hooks: [hookA, hookB] });
    await relayA.until(() => relayA.json('error').length > 0, 'the refusal');
    assert.match(String(relayA.json('error')[0]?.message), /not under \/hooks\/cluster-a\//);
    relayA.send('not json');
    relayA.send({ type: 'hooks', hooks: [{ ...hookA, maxBodyBytes: 26_000_000 }] });
    await relayA.until(() => relayA.json('error').length === 3, 'two more refusals');
    assert.match(String(relayA.json('error')[2]?.message), /maxBodyBytes/);
    // Refused frames change nothing: A's object still holds its one hook.
    assert.equal((await hookStatus(worker.url, A)).hooks, 1);

    const relayB = await relayWith(B, [hookB]);
    assert.equal((await hookStatus(worker.url, B)).hooks, 1);
    assert.equal((await hookStatus(worker.url, A)).hooks, 1);
    const delivery = randomUUID();
    const response = await postHook(worker.url, hookB.path, '{"object_kind":"push"}', {
      'x-gitlab-token': hookB.secret,
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-event-uuid': delivery,
    });
    assert.equal(response.status, 202);
    await relayB.until(() => relayB.json('delivery').some((d) => d.id === delivery), "B's delivery");
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!relayA.json('delivery').some((d) => d.hook === hookB.path), "A's relay saw nothing of B's");
    relayB.send({ type: 'ack', ids: [delivery] });
    await relayA.close();
    await relayB.close();
  });

  test('the worker logs neither hook secrets nor payloads', () => {
    const text = JSON.stringify(worker.logLines());
    for (const secret of [GITHUB_SECRET, 'bearer-token-of-a', 'gitlab-token-of-b', A.secret, B.secret]) {
      assert.ok(!text.includes(secret), 'a secret was logged');
    }
    assert.ok(!text.includes('Codertocat'), 'a payload was logged');
    assert.ok(text.includes('hook.accepted'), 'accepted deliveries are logged, by name');
  });
});
