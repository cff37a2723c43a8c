// Benchmark-only worker entry: the test app, plus `POST /cost/<name>`, which times the parts of one reconcile inside workerd.
//
// Never deployed: the route is unsigned. Its body is a reconcile request; `?batches=&batchMs=` tune the
// sampling (cost.ts). It uses its own instance of the reconciler, not the app's.
import { registry } from '../../build/fixtures/registry.ts';
import { createApp } from '../app.ts';
import { measureCost } from './cost.ts';

const app = createApp({ registry });

async function cost(request: Request, name: string): Promise<Response> {
  const component = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!component) return new Response(`unknown reconciler ${name}`, { status: 404 });
  const url = new URL(request.url);
  const number = (key: string) => {
    const value = url.searchParams.get(key);
    return value === null ? undefined : Number(value);
  };
  const batches = number('batches');
  const batchMs = number('batchMs');
  const phases = measureCost({
    instance: await component.instantiate(),
    reconciler: name,
    body: await request.text(),
    ...(batches !== undefined && { batches }),
    ...(batchMs !== undefined && { batchMs }),
  });
  return Response.json(phases);
}

type FetchArgs = Parameters<typeof app.fetch>;

export default {
  fetch(request: Request, env: FetchArgs[1], ctx: FetchArgs[2]): Response | Promise<Response> {
    const match = /^\/cost\/([a-z0-9-]+)$/.exec(new URL(request.url).pathname);
    if (request.method === 'POST' && match?.[1] !== undefined) return cost(request, match[1]);
    return app.fetch(request, env, ctx);
  },
};
