// A loopback TCP forwarder on a fixed port, so a test can take the real worker "down" (connection refused) and back,
// or freeze the connections that are open (a silent stall: open, but nothing gets through).
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  url: string;
  /** Closes the listener and every open connection: clients get ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again on the same port (nothing if it is listening). */
  up(): Promise<void>;
  /**
   * Stops forwarding on every connection open now, in both directions, without closing them: the
   * peers see a silent stall (as after a dropped NAT mapping or a wedged load balancer). Bytes wait
   * in the buffers. Connections opened afterwards are forwarded normally. Returns how many it froze.
   */
  pause(): number;
  /** Lets frozen connections flow again. */
  resume(): void;
  close(): Promise<void>;
}

/** One forwarded connection: its two sockets, and whether bytes flow between them. */
interface Link {
  client: Socket;
  upstream: Socket;
  flowing: boolean;
}

function flow(link: Link): void {
  if (link.flowing) return;
  link.flowing = true;
  link.client.pipe(link.upstream);
  link.upstream.pipe(link.client);
}

function freeze(link: Link): void {
  if (!link.flowing) return;
  link.flowing = false;
  link.client.unpipe(link.upstream);
  link.upstream.unpipe(link.client);
  link.client.pause();
  link.upstream.pause();
}

export async function startTcpProxy(target: URL): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const links = new Set<Link>();
  const frozen = new Set<Link>();
  let port = 0;
  let server: Server | undefined;
  const listen = async () => {
    if (server) return; // already up
    const s = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      const link: Link = { client, upstream, flowing: false };
      links.add(link);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
        links.delete(link);
        frozen.delete(link);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      flow(link);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const down = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise((resolve) => s.close(resolve));
  };
  const pause = () => {
    for (const link of links) {
      freeze(link);
      frozen.add(link);
    }
    return frozen.size;
  };
  const resume = () => {
    for (const link of frozen) flow(link);
    frozen.clear();
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, down, up: listen, pause, resume, close: down };
}
