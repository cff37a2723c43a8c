// Deletes a benchmark's namespace and waits until the namespace controller has removed it and everything in it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestKube } from '../../test/support/kube.ts';

/** Gives up (and says so) after 5 minutes: the next run uses a fresh namespace anyway. */
export async function deleteNamespace(
  kube: TestKube,
  namespace: string,
  progress: (message: string) => void,
): Promise<void> {
  await kube.delete('v1', 'Namespace', undefined, namespace);
  const started = Date.now();
  while ((await kube.get('v1', 'Namespace', undefined, namespace)) !== undefined) {
    if (Date.now() - started > 300_000) {
      progress(`namespace ${namespace} still terminating after 5 min; going on`);
      return;
    }
    await sleep(2000);
  }
  progress(`namespace ${namespace} removed in ${Math.round((Date.now() - started) / 1000)} s`);
}
