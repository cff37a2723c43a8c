// The worker's entry: the zeroloop runtime serving this project's built reconcilers (`zeroloop build` writes the registry).
import { createApp } from '@zeroloop/worker';
import { registry } from '../build/reconcilers/registry.ts';

export default createApp({ registry });
/** The HOOKS binding's class (wrangler.toml): one object per cluster holds its webhooks and deliveries. */
export { ClusterHooks } from '@zeroloop/worker';
