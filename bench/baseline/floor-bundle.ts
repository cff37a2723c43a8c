// The floor client bundled as the relay's image bundles relay/main.ts, so the floor runs as the relay does: one .mjs, no type stripping.
import { bundleLikeTheImage } from './bundle.ts';

let bundled: Promise<string> | undefined;

/** Bundles bench/baseline/floor.ts once per process into a temporary directory; resolves to the .mjs path. */
export function floorBundle(): Promise<string> {
  bundled ??= bundleLikeTheImage(new URL('./floor.ts', import.meta.url), 'floor.mjs');
  return bundled;
}
