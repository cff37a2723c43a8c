// Tests of the body-limit middleware through the app: 413 before parsing, by header and by counted bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorBody } from '../../src/protocol/errors.ts';
import { createApp } from '../app.ts';
import { discardLog } from '../log.ts';
import { standInRegistry, type StandInStats } from '../testing/stand-in-registry.ts';
import { sampleRequest, signedPost, TEST_SECRET } from '../testing/requests.ts';

const PATH = '/v1/reconcilers/stand-in/reconcile';
const env = { SIGNING_SECRET: TEST_SECRET };
const LIMIT = 2048;

function setup() {
  const stats: StandInStats = { instances: 0, calls: 0 };
  return {
    app: createApp({ registry: standInRegistry(stats), maxBodyBytes: LIMIT, log: discardLog }),
    stats,
  };
}

/** A streaming POST (Node needs `duplex`, which the DOM typings lack). */
function streamed(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  const init: RequestInit & { duplex: 'half' } = { method: 'POST', body, headers, duplex: 'half' };
  return new Request(`http://worker${PATH}`, init);
}

/** A body stream of `size` bytes in 256-byte chunks, with no Content-Length. */
function stream(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      const n = Math.min(256, size - sent);
      if (n <= 0) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(n).fill(0x20));
      sent += n;
    },
  });
}

async function codeOf(response: Response): Promise<string> {
  return ErrorBody.parse(await response.json()).error.code;
}

describe('bodyLimit', () => {
  test('accepts a signed body under the limit', async () => {
    const { app } = setup();
    const response = await app.request(PATH, await signedPost(PATH, sampleRequest()), env);
    assert.equal(response.status, 200);
  });

  test('refuses a declared Content-Length over the limit with 413, before signature or parsing', async () => {
    const { app, stats } = setup();
    const body = 'x'.repeat(LIMIT + 1);
    const response = await app.request(
      PATH,
      { method: 'POST', body, headers: { 'content-length': String(body.length) } },
      env,
    );
    assert.equal(response.status, 413);
    assert.equal(await codeOf(response), 'payload_too_large');
    assert.equal(stats.calls, 0);
  });

  test('counts streamed bytes when no Content-Length is sent', async () => {
    const { app, stats } = setup();
    const request = streamed(stream(LIMIT + 1));
    assert.equal(request.headers.get('content-length'), null);
    const response = await app.request(request, undefined, env);
    assert.equal(response.status, 413);
    const { error } = ErrorBody.parse(await response.json());
    assert.equal(error.code, 'payload_too_large');
    assert.match(error.message, /over the limit of 2048/);
    assert.equal(stats.calls, 0);
  });

  test('a streamed body exactly at the limit passes on to the next check', async () => {
    const { app } = setup();
    const request = streamed(stream(LIMIT));
    // Unsigned, so the next middleware refuses it: proof the limit let it through.
    assert.equal((await app.request(request, undefined, env)).status, 401);
  });

  test('refuses a lying Content-Length smaller than the streamed body', async () => {
    const { app } = setup();
    const request = streamed(stream(LIMIT * 2), { 'content-length': '10' });
    assert.equal((await app.request(request, undefined, env)).status, 413);
  });

  test('refuses a malformed Content-Length with 400', async () => {
    const { app } = setup();
    const response = await app.request(
      PATH,
      { method: 'POST', body: '{}', headers: { 'content-length': '-5' } },
      env,
    );
    assert.equal(response.status, 400);
    assert.equal(await codeOf(response), 'bad_request');
  });

  test('refuses a body that is not UTF-8 with 400', async () => {
    const { app } = setup();
    const response = await app.request(
      PATH,
      { method: 'POST', body: new Uint8Array([0xff, 0xfe, 0xfd]) },
      env,
    );
    assert.equal(response.status, 400);
    assert.equal(await codeOf(response), 'bad_request');
  });
});
