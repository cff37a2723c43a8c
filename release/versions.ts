// The versions one release states: every package's, the chart's, the relay image's tag, the WIT package's and the protocol's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { PROTOCOL_VERSION, WIT_PACKAGE, WIT_VERSION } from '../src/protocol/version.ts';
import { PACKAGES } from './packages.ts';
import { REPO_ROOT } from './pack.ts';

export interface ReleaseVersions {
  /** Package name → version, from each workspace's package.json. */
  packages: Record<string, string>;
  chart: { version: string; appVersion: string };
  /** The image the Deployment names (deploy/relay/deployment.yaml) and the tag kustomize sets. */
  deploymentImage: string;
  kustomizeTag: string;
  wit: string;
  protocol: number;
}

async function yaml(path: string): Promise<unknown> {
  return load(await readFile(join(REPO_ROOT, path), 'utf8'));
}

/** A YAML scalar as text (`0.2.0` is a string, `1.0` a number); anything else is empty. */
function asText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** Reads every version a release states, from the files that state it. */
export async function releaseVersions(): Promise<ReleaseVersions> {
  const packages: Record<string, string> = {};
  for (const spec of PACKAGES) {
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, spec.dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    packages[manifest.name] = manifest.version;
  }
  const chart = (await yaml('deploy/helm/zeroloop/Chart.yaml')) as { version: unknown; appVersion: unknown };
  const deployment = JSON.stringify(await yaml('deploy/relay/deployment.yaml'));
  const kustomization = (await yaml('deploy/kustomization.yaml')) as { images?: { newTag?: unknown }[] };
  return {
    packages,
    chart: { version: asText(chart.version), appVersion: asText(chart.appVersion) },
    deploymentImage: /"image":"([^"]+)"/.exec(deployment)?.[1] ?? '',
    kustomizeTag: asText(kustomization.images?.[0]?.newTag),
    wit: `${WIT_PACKAGE}@${WIT_VERSION}`,
    protocol: PROTOCOL_VERSION,
  };
}
