// Test-only worker entry: the app with the examples AND the test fixtures (`faulty`), for workerd tests.
import { registry } from '../../build/fixtures/registry.ts';
import { createApp } from '../app.ts';

export default createApp({ registry });
export { ClusterHooks } from '../app.ts';
