// `zeroloop hook`: prints a Reconciler hook's URL (from its status.hooks) and, with --send, posts a test delivery signed as its sender would.
import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import { HOOK_SOURCES } from '../../src/protocol/hooks.ts';
import { errorMessage } from '../../src/error-message.ts';
import { RECONCILER_KIND, ReconcilerResource } from '../../relay/api/reconciler.ts';
import { KubeApiError, KubeClient } from '../../relay/kube/client.ts';
import { loadKubeconfigFile, loadRestConfig } from '../../relay/kube/rest-config.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command, type CommandContext } from '../command.ts';
import { testDelivery } from '../hooks/test-delivery.ts';

const USAGE = `usage: zeroloop hook <reconciler> <hook> [--send] [--event NAME] [--payload FILE] [--url BASE]
                     [--kubeconfig PATH] [--context NAME]

Prints the URL of a hook declared on a Reconciler (spec.triggers.hooks): the worker's endpoint and the
path the relay wrote in status.hooks. Give that URL to the sender (a GitHub or GitLab webhook, a CI
job). The worker receives the hook; the relay's own outbound connection brings it into the cluster.

With --send, posts one test delivery signed as the hook's sender signs it (GitHub's
X-Hub-Signature-256, GitLab's X-Gitlab-Token, X-Signature for generic-hmac, a bearer token), with the
secret read from the hook's Secret, and prints the worker's answer: 202 {"accepted":true} when it was
stored for the relay, 202 {"accepted":false,...} when its event or filter turned it away.

options:
  --send             post a signed test delivery
  --event NAME       the event header (default: the hook's first event, else "ping" / "Push Hook")
  --payload FILE     the JSON body (default: {"zeroloop":"test delivery"}); a filter sees it as body
  --url BASE         the worker's public URL, when it differs from the Reconciler's endpoint
  --kubeconfig PATH  the cluster (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME     the kubeconfig context (default: its current-context)

exit codes: 0 printed (and, with --send, the worker answered 2xx), 1 failed (the message says why),
2 bad arguments
`;

const HookStatuses = z.looseObject({
  hooks: z.optional(
    z.array(z.object({ name: z.string(), path: z.optional(z.string()), message: z.optional(z.string()) })),
  ),
});
const SecretData = z.looseObject({ data: z.optional(z.record(z.string(), z.string())) });

/** The hook could not be found, read or sent: the message says what to do. */
export class HookCommandFailed extends Error {
  override readonly name = 'HookCommandFailed';
}

export const hookCommand: Command = {
  name: 'hook',
  summary: "print a hook's URL; --send posts a correctly signed test delivery",
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      send: { type: 'boolean' },
      event: { type: 'string' },
      payload: { type: 'string' },
      url: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
    });
    const [reconciler, hookName, ...rest] = positionals;
    if (reconciler === undefined || hookName === undefined || rest.length > 0)
      throw new UsageError('give the Reconciler and the hook: zeroloop hook <reconciler> <hook>');
    const options = values.context !== undefined ? { context: values.context } : {};
    const restConfig =
      values.kubeconfig !== undefined
        ? await loadKubeconfigFile(values.kubeconfig, options)
        : await loadRestConfig(
            values.context !== undefined ? { ...context.env, KUBECONTEXT: values.context } : context.env,
          );
    const client = new KubeClient(restConfig);
    try {
      return await run(client, { reconciler, hookName, ...values }, context);
    } catch (error) {
      if (!(error instanceof HookCommandFailed)) throw error;
      context.stderr(`zeroloop hook: ${error.message}\n`);
      return EXIT.failed;
    } finally {
      await client.close();
    }
  },
};

interface HookArgs {
  reconciler: string;
  hookName: string;
  send?: boolean | undefined;
  event?: string | undefined;
  payload?: string | undefined;
  url?: string | undefined;
}

async function run(client: KubeClient, a: HookArgs, context: CommandContext): Promise<number> {
  const what = `Reconciler ${a.reconciler}`;
  const raw = await client
    .request('GET', `/apis/${RECONCILER_KIND.apiVersion}/reconcilers/${encodeURIComponent(a.reconciler)}`)
    .catch((error: unknown) => {
      if (error instanceof KubeApiError && error.status === 404)
        throw new HookCommandFailed(`${what} not found: kubectl get reconcilers lists them`);
      throw new HookCommandFailed(`reading ${what}: ${errorMessage(error)}`);
    });
  const parsed = ReconcilerResource.safeParse(raw);
  if (!parsed.success) throw new HookCommandFailed(`${what} is not valid: ${parsed.error.message}`);
  const { spec } = parsed.data;
  const hook = spec.triggers.hooks.find((h) => h.name === a.hookName);
  if (!hook) {
    const names = spec.triggers.hooks.map((h) => h.name);
    throw new HookCommandFailed(
      `${what} has no hook ${a.hookName}${names.length > 0 ? ` (it has ${names.join(', ')})` : ' (spec.triggers.hooks is empty)'}`,
    );
  }
  const status = HookStatuses.safeParse((raw as { status?: unknown }).status).data?.hooks?.find(
    (h) => h.name === hook.name,
  );
  if (status?.path === undefined)
    throw new HookCommandFailed(
      `hook ${hook.name} has no URL yet${status?.message !== undefined ? `: ${status.message}` : ': is the relay running and leading?'}`,
    );
  const base = (a.url ?? spec.endpoint).replace(/\/$/, '');
  const url = base + status.path;
  context.stdout(`${url}\n`);
  if (a.send !== true) return EXIT.ok;

  const namespace = spec.signingSecretRef.namespace;
  const secretPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(hook.secretRef.name)}`;
  const secretWhat = `Secret ${namespace}/${hook.secretRef.name}`;
  const secret = await client.request('GET', secretPath).catch((error: unknown) => {
    throw new HookCommandFailed(`reading ${secretWhat}: ${errorMessage(error)}`);
  });
  const value = SecretData.safeParse(secret).data?.data?.[hook.secretRef.key];
  if (value === undefined) throw new HookCommandFailed(`${secretWhat} has no key "${hook.secretRef.key}"`);
  const body =
    a.payload !== undefined
      ? await readFile(a.payload, 'utf8').catch((error: unknown) => {
          throw new HookCommandFailed(`reading --payload ${a.payload ?? ''}: ${errorMessage(error)}`);
        })
      : JSON.stringify({ zeroloop: 'test delivery' });
  try {
    JSON.parse(body);
  } catch {
    throw new HookCommandFailed(`--payload ${a.payload ?? ''} is not JSON`);
  }
  const source = z.enum(HOOK_SOURCES).parse(hook.type);
  const event = a.event ?? hook.events[0] ?? (source === 'gitlab' ? 'Push Hook' : 'ping');
  const delivery = testDelivery(source, Buffer.from(value, 'base64').toString('utf8'), body, event);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  } catch (error) {
    throw new HookCommandFailed(`POST ${url} failed: ${errorMessage(error)}; is the worker up at ${base}?`);
  }
  const text = (await response.text()).slice(0, 2000);
  context.stdout(
    `POST ${url}${delivery.id !== undefined ? ` (delivery ${delivery.id})` : ''}: ${String(response.status)} ${text}\n`,
  );
  return response.ok ? EXIT.ok : EXIT.failed;
}
