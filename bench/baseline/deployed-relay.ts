// The relay as deployed, for benchmarks: relay.mjs bundled as the image bundles it, and the node flags of the Deployment's command.
import { readFileSync } from 'node:fs';
import { ENTRY } from '../../deploy/image-tree.ts';
import { bundleLikeTheImage } from './bundle.ts';

export interface DeployedRelay {
  /** The arguments after `node`: the Deployment's flags, then the bundle. */
  readonly args: readonly string[];
  /** What runs, in words, for a results file. */
  readonly what: string;
}

/** The node flags of deploy/relay/deployment.yaml's `command: [node, <flags…>, relay.mjs]`. */
export function deployedNodeFlags(): string[] {
  const deployment = readFileSync(new URL('../../deploy/relay/deployment.yaml', import.meta.url), 'utf8');
  const flags = /command: \[node, (.*), relay\.mjs\]/.exec(deployment)?.[1];
  if (flags === undefined)
    throw new Error(
      'deploy/relay/deployment.yaml has no `command: [node, …, relay.mjs]`; update deployed-relay.ts',
    );
  return flags.split(', ');
}

/** Whether BENCH_RELAY_NODE_FLAGS replaces the Deployment's flags (to measure another setting). */
const OVERRIDE = process.env.BENCH_RELAY_NODE_FLAGS;

/** The node flags the benchmarks run the relay with: BENCH_RELAY_NODE_FLAGS when set, else the Deployment's. */
export function relayNodeFlags(): string[] {
  return OVERRIDE !== undefined ? OVERRIDE.split(' ').filter(Boolean) : deployedNodeFlags();
}

let bundled: Promise<DeployedRelay> | undefined;

/** Bundles relay/main.ts once per process into a temporary directory, as deploy/image-tree.ts does for the image. */
export function deployedRelay(): Promise<DeployedRelay> {
  bundled ??= (async () => {
    const outfile = await bundleLikeTheImage(new URL('../../relay/main.ts', import.meta.url), ENTRY);
    const flags = relayNodeFlags();
    return {
      args: [...flags, outfile],
      what: `node ${flags.join(' ')} relay.mjs (the image's bundle${OVERRIDE !== undefined ? '; flags from BENCH_RELAY_NODE_FLAGS' : ''})`,
    };
  })();
  return bundled;
}
