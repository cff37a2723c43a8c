// `zeroloop manifests <name>`: prints a reconciler's Reconciler resource and least-privilege RBAC as YAML, from its descriptor.
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { DNS_LABEL } from '../../src/keys.ts';
import { DEFAULT_RELAY, reconcilerRbac } from '../../src/manifests/rbac.ts';
import { reconcilerResource } from '../../src/manifests/reconciler-resource.ts';
import type { KubeObject } from '../../src/protocol/schemas.ts';
import { builtDescriptor, DescriptorUnavailable } from '../built-descriptor.ts';
import type { Command } from '../command.ts';
import { EXIT, UsageError } from '../command.ts';
import { errorMessage } from '../../src/error-message.ts';

const usage = `usage: zeroloop manifests <reconciler> --worker-url URL [options]

Prints, as YAML for \`kubectl apply --server-side -f -\`, the Reconciler resource that has the relay run
<reconciler> (a built reconciler: run \`npm run build:reconcilers\` first), and the RBAC the relay's
ServiceAccount needs for it, derived from the reconciler's describe(): its primary (read, status,
finalizers), the kinds it owns (read, create, patch, delete) and the kinds it reads (read).

With --namespace, a Role and RoleBinding in each namespace; without, a ClusterRole and binding.

options:
  --worker-url URL          the worker's base URL (the Reconciler's spec.endpoint); required
  --namespace NS            a namespace in scope; repeat for several (default: all namespaces)
  --name NAME               the Reconciler resource's name (default: <reconciler>)
  --label KEY=VALUE         a label on the Reconciler (e.g. for RECONCILER_SELECTOR); repeatable
  --relay-namespace NS      the relay's namespace (default: ${DEFAULT_RELAY.namespace})
  --service-account NAME    the relay's ServiceAccount (default: ${DEFAULT_RELAY.serviceAccount})
  --signing-secret NAME     the signing Secret, in the relay's namespace (default: worker-signing)
  --signing-secret-key KEY  its key holding the shared secret (default: secret)
`;

const OPTIONS = {
  'worker-url': { type: 'string' },
  namespace: { type: 'string', multiple: true },
  name: { type: 'string' },
  label: { type: 'string', multiple: true },
  'relay-namespace': { type: 'string', default: DEFAULT_RELAY.namespace },
  'service-account': { type: 'string', default: DEFAULT_RELAY.serviceAccount },
  'signing-secret': { type: 'string', default: 'worker-signing' },
  'signing-secret-key': { type: 'string', default: 'secret' },
} as const;

function parse(args: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  const [reconciler, ...extra] = positionals;
  if (reconciler === undefined) throw new UsageError('name the reconciler (e.g. `website`)');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const endpoint = values['worker-url'];
  if (endpoint === undefined) throw new UsageError('--worker-url is required (the worker serving it)');
  if (!/^https?:\/\/[^/]/.test(endpoint))
    throw new UsageError(`--worker-url ${endpoint} is not an http(s) URL`);
  const namespaces = values.namespace ?? [];
  const name = values.name ?? reconciler;
  const labelled: [string, string][] = [
    ...namespaces.map((n): [string, string] => ['--namespace', n]),
    ['--name', name],
    ['--relay-namespace', values['relay-namespace']],
  ];
  for (const [what, value] of labelled)
    if (!DNS_LABEL.test(value)) throw new UsageError(`${what} ${value} is not a lowercase DNS label`);
  const labels: Record<string, string> = {};
  for (const label of values.label ?? []) {
    const eq = label.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label ${label} is not KEY=VALUE`);
    labels[label.slice(0, eq)] = label.slice(eq + 1);
  }
  return { reconciler, endpoint, namespaces, name, labels, values };
}

/** The YAML stream of `objects`, one document each. */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${dump(o, { noRefs: true, lineWidth: -1 })}`).join('');
}

export const manifestsCommand: Command = {
  name: 'manifests',
  summary: "print a reconciler's Reconciler resource and least-privilege RBAC (YAML)",
  usage,
  async run(args, context) {
    const { reconciler, endpoint, namespaces, name, labels, values } = parse(args);
    let descriptor;
    try {
      descriptor = await builtDescriptor(reconciler);
    } catch (error) {
      if (!(error instanceof DescriptorUnavailable)) throw error;
      context.stderr(`zeroloop manifests: ${error.message}\n`);
      return EXIT.failed;
    }
    const relay = { namespace: values['relay-namespace'], serviceAccount: values['service-account'] };
    const objects = [
      reconcilerResource(descriptor, {
        name,
        endpoint,
        namespaces,
        labels,
        signingSecretRef: {
          namespace: relay.namespace,
          name: values['signing-secret'],
          key: values['signing-secret-key'],
        },
      }),
      ...reconcilerRbac(descriptor, { name, namespaces, relay }),
    ];
    context.stdout(
      `# Generated by \`zeroloop manifests\` from the descriptor of ${descriptor.name} ${descriptor.version}.\n` +
        toYaml(objects),
    );
    return EXIT.ok;
  },
};
