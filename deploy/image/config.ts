// The relay image's OCI config (entrypoint, env, user, workdir, ports, labels), taken from deploy/relay/deployment.yaml and the chart.
//
// The Deployment is the source of truth: the image runs what it runs. Its literal env values are the
// image's defaults, except LEADER_ELECTION: the chart leaves it unset to run one relay without a
// Lease (leaderElection.enabled=false), so an image default of `true` would turn election back on.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import * as z from 'zod/mini';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOYMENT_FILE = join(ROOT, 'deploy', 'relay', 'deployment.yaml');
export const CHART_FILE = join(ROOT, 'deploy', 'helm', 'zeroloop', 'Chart.yaml');

/** The image's user: distroless' `nonroot`, as the Deployment's runAsUser. */
export const NONROOT = { uid: 65532, gid: 65532, name: 'nonroot', home: '/home/nonroot' } as const;
export const WORKDIR = '/app';
/** Where the node binary goes, on PATH (as in the official node images). */
export const NODE_PATH = '/usr/local/bin/node';
/** Node's license, beside its binary. */
export const NODE_LICENSE = '/usr/local/share/doc/node/LICENSE';
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Docker's default PATH, as distroless sets it. */
export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Per-Deployment settings, never image defaults (see the file's first comment). */
export const NOT_IMAGE_DEFAULTS: readonly string[] = ['LEADER_ELECTION'];

/** The Deployment could not be read as the image's source of truth; names the file and the field. */
export class ImageConfigInvalid extends Error {
  override readonly name = 'ImageConfigInvalid';
  readonly source: string;
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.source = source;
  }
}

const EnvVar = z.object({
  name: z.string().check(z.minLength(1)),
  value: z.optional(z.string()),
  valueFrom: z.optional(z.unknown()),
});
const Container = z.looseObject({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).check(z.minLength(1)),
  env: z.optional(z.array(EnvVar)),
  ports: z.optional(z.array(z.looseObject({ containerPort: z.number() }))),
});
const Deployment = z.looseObject({
  kind: z.literal('Deployment'),
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        securityContext: z.optional(z.looseObject({ runAsUser: z.optional(z.number()) })),
        containers: z.array(Container).check(z.minLength(1)),
      }),
    }),
  }),
});
const Chart = z.looseObject({ appVersion: z.string().check(z.minLength(1)) });

/** What the image takes from the Deployment. */
export interface DeploymentFacts {
  /** The container's `image` (`ghcr.io/zeroloop/relay:0.1.0`). */
  image: string;
  command: string[];
  /** `NAME=value` of every env entry with a literal value, in order. */
  literalEnv: string[];
  ports: number[];
  runAsUser: number | undefined;
}

/** Parses deployment.yaml's text; throws ImageConfigInvalid naming `source` and the bad field. */
export function parseDeployment(text: string, source: string = DEPLOYMENT_FILE): DeploymentFacts {
  const parsed = Deployment.safeParse(load(text));
  if (!parsed.success)
    throw new ImageConfigInvalid(
      source,
      `not the relay Deployment the image is built from: ${z.prettifyError(parsed.error)}`,
    );
  const { spec } = parsed.data.spec.template;
  const container = spec.containers[0];
  if (container === undefined) throw new ImageConfigInvalid(source, 'spec.template.spec.containers is empty');
  return {
    image: container.image,
    command: container.command,
    literalEnv: (container.env ?? []).flatMap((e) => (e.value !== undefined ? [`${e.name}=${e.value}`] : [])),
    ports: (container.ports ?? []).map((p) => p.containerPort),
    runAsUser: spec.securityContext?.runAsUser,
  };
}

export async function readDeployment(path: string = DEPLOYMENT_FILE): Promise<DeploymentFacts> {
  return parseDeployment(await readFile(path, 'utf8'), path);
}

/** The chart's appVersion: the image's version, so the chart's default tag names this image. */
export async function chartAppVersion(path: string = CHART_FILE): Promise<string> {
  const parsed = Chart.safeParse(load(await readFile(path, 'utf8')));
  if (!parsed.success) throw new ImageConfigInvalid(path, 'no appVersion');
  return parsed.data.appVersion;
}

/** The OCI config fields the image sets (the shape deploy/image/main.go reads). */
export interface ImageConfig {
  entrypoint: string[];
  env: string[];
  user: string;
  workingDir: string;
  exposedPorts: string[];
  labels: Record<string, string>;
}

export interface LabelFacts {
  version: string;
  source: string;
  licenses: string;
  revision?: string | undefined;
  nodeVersion: string;
}

/** The image config for `deployment`: its command as the entrypoint, its literal env as defaults. */
export function imageConfig(deployment: DeploymentFacts, labels: LabelFacts): ImageConfig {
  if (deployment.command[0] !== 'node')
    throw new ImageConfigInvalid(
      DEPLOYMENT_FILE,
      `command ${JSON.stringify(deployment.command)} does not start with node; the image runs node from PATH`,
    );
  if (deployment.runAsUser !== undefined && deployment.runAsUser !== NONROOT.uid)
    throw new ImageConfigInvalid(
      DEPLOYMENT_FILE,
      `runAsUser ${deployment.runAsUser} is not the image's user ${NONROOT.uid}; change one of them`,
    );
  const env = deployment.literalEnv.filter((e) => !NOT_IMAGE_DEFAULTS.includes(e.split('=')[0] ?? ''));
  return {
    entrypoint: deployment.command,
    env: [`PATH=${PATH}`, `SSL_CERT_FILE=${CA_BUNDLE}`, 'NODE_ENV=production', ...env],
    user: `${NONROOT.uid}:${NONROOT.gid}`,
    workingDir: WORKDIR,
    exposedPorts: deployment.ports.map((p) => `${p}/tcp`),
    labels: {
      'org.opencontainers.image.title': 'zeroloop-relay',
      'org.opencontainers.image.description': `The zeroloop relay (Node ${labels.nodeVersion}, distroless-style, user ${NONROOT.uid})`,
      'org.opencontainers.image.version': labels.version,
      'org.opencontainers.image.source': labels.source,
      'org.opencontainers.image.licenses': labels.licenses,
      ...(labels.revision !== undefined ? { 'org.opencontainers.image.revision': labels.revision } : {}),
    },
  };
}
