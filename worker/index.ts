// Production entry: the worker running the example reconcilers; the secret is the SIGNING_SECRET binding.
import { registry } from '../build/reconcilers/registry.ts';
import { createApp } from './app.ts';

export default createApp({ registry });
/** The HOOKS binding's class (wrangler.toml): one object per cluster holds its hooks and deliveries. */
export { ClusterHooks } from './app.ts';
