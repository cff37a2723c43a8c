// Renders a kubeconfig for one cluster, one bearer-token user and one context (YAML, no dependencies).

export interface KubeconfigSpec {
  readonly name: string;
  readonly server: string;
  /** PEM bundle that verifies the server's certificate. */
  readonly caPem: string;
  readonly user: string;
  readonly token: string;
  readonly namespace?: string;
}

/** Renders the kubeconfig. Every scalar is JSON-quoted, which is valid YAML for any content. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  const q = (value: string): string => JSON.stringify(value);
  const caData = Buffer.from(spec.caPem, 'utf8').toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(spec.name)}`,
    '  cluster:',
    `    server: ${q(spec.server)}`,
    `    certificate-authority-data: ${q(caData)}`,
    'users:',
    `- name: ${q(spec.user)}`,
    '  user:',
    `    token: ${q(spec.token)}`,
    'contexts:',
    `- name: ${q(spec.name)}`,
    '  context:',
    `    cluster: ${q(spec.name)}`,
    `    user: ${q(spec.user)}`,
    ...(spec.namespace === undefined ? [] : [`    namespace: ${q(spec.namespace)}`]),
    `current-context: ${q(spec.name)}`,
    '',
  ].join('\n');
}
