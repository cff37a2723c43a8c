// A kubeconfig user's credentials: a token, token file or basic auth, or an exec plugin (checked and wrapped in an ExecCredentialSource); a legacy auth provider is refused with what replaced it.
import * as z from 'zod/mini';
import type { ExecClusterInfo } from './exec-credential.ts';
import { ExecConfig, ExecCredentialSource } from './exec-credential.ts';
import { type KubeconfigSelection, resolve, type UserEntry } from './kubeconfig.ts';
import type { RestAuth } from './rest-config.ts';
import { RestConfigInvalid } from './rest-config.ts';

export function authOf(file: string, user: UserEntry | undefined): RestAuth {
  if (user?.token !== undefined && user.token !== '') return { type: 'token', token: user.token };
  if (user?.tokenFile !== undefined && user.tokenFile !== '')
    return { type: 'tokenFile', path: resolve(file, user.tokenFile) };
  if (user?.username !== undefined && user.password !== undefined)
    return { type: 'basic', username: user.username, password: user.password };
  return { type: 'none' };
}

/** What to use instead of a legacy auth provider, by its name: one sentence each. */
export function authProviderAdvice(name: string): string {
  switch (name) {
    case 'gcp':
      return (
        'the gcp auth provider was removed from kubectl in 1.26: install gke-gcloud-auth-plugin ' +
        '(`gcloud components install gke-gcloud-auth-plugin`) and run `gcloud container clusters get-credentials CLUSTER`, ' +
        'which rewrites this user as an exec plugin'
      );
    case 'azure':
      return (
        'the azure auth provider was removed from kubectl in 1.26: install kubelogin and run ' +
        '`kubelogin convert-kubeconfig -l azurecli` (or another login mode), which rewrites this user as an exec plugin'
      );
    case 'oidc':
      return (
        'zeroloop does not run the oidc auth provider: use an exec plugin for the same issuer instead, ' +
        'such as int128/kubelogin (`kubectl oidc-login setup` prints the exec section to use)'
      );
    default:
      return `zeroloop does not run auth provider ${name}: use the exec credential plugin that replaced it, or a token or client certificate`;
  }
}

export function execOrProvider(
  file: string,
  userName: string,
  user: UserEntry | undefined,
  cluster: ExecClusterInfo,
  selection: KubeconfigSelection,
): RestAuth {
  const provider = user?.['auth-provider'];
  if (provider !== undefined && provider !== null)
    throw new RestConfigInvalid(file, `user ${userName}: ${authProviderAdvice(provider.name)}`);
  if (user?.exec === undefined || user.exec === null) return { type: 'none' };
  const parsed = ExecConfig.safeParse(user.exec);
  if (!parsed.success)
    throw new RestConfigInvalid(
      file,
      `the exec section of user ${userName} is invalid: ${z.prettifyError(parsed.error)}`,
    );
  const exec = parsed.data;
  if (exec.interactiveMode === undefined && exec.apiVersion === 'client.authentication.k8s.io/v1')
    throw new RestConfigInvalid(
      file,
      `exec plugin ${exec.command}: interactiveMode must be set for client.authentication.k8s.io/v1 (kubectl requires it too); set it to Never or IfAvailable`,
    );
  if (exec.interactiveMode === 'Always')
    throw new RestConfigInvalid(
      file,
      `exec plugin ${exec.command} asks for interactiveMode Always, but zeroloop runs it without a terminal; ` +
        'set interactiveMode to IfAvailable or Never if the plugin can run without a prompt (log in with it once by hand first), ' +
        'or give this user a token or client certificate',
    );
  const command = exec.command.includes('/') ? resolve(file, exec.command) : exec.command;
  const onExecRun = selection.onExecRun;
  return {
    type: 'exec',
    credentials: new ExecCredentialSource({
      config: { ...exec, command },
      source: `user ${userName} in ${file}`,
      cluster,
      ...(selection.env !== undefined ? { env: selection.env } : {}),
      ...(selection.now !== undefined ? { now: selection.now } : {}),
      ...(onExecRun !== undefined
        ? {
            onRun: (run) => {
              onExecRun({ command, ...run });
            },
          }
        : {}),
    }),
  };
}
