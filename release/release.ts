// `npm run release`: writes into build/release/ everything a release publishes — npm tarballs, the Helm chart package, the relay image.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { buildImage } from '../deploy/image/build.ts';
import { ensureHelm } from '../deploy/helm/tool/build.ts';
import { packAll, RELEASE_DIR, REPO_ROOT } from './pack.ts';
import { releaseVersions } from './versions.ts';
import { stderrLogger } from '../relay/observe/log.ts';

const run = promisify(execFile);
const log = stderrLogger('release');

const versions = await releaseVersions();
const version = versions.chart.appVersion;
log.info('release.start', { version, wit: versions.wit, protocol: versions.protocol, dir: RELEASE_DIR });

log.info('npm.start', {});
const packages = await packAll({
  outDir: join(RELEASE_DIR, 'npm'),
  progress: (line) => {
    log.info('npm.packed', { line });
  },
});

log.info('chart.start', {});
const helm = await ensureHelm({ logger: log });
const chartDir = join(RELEASE_DIR, 'helm');
await rm(chartDir, { recursive: true, force: true });
await mkdir(chartDir, { recursive: true });
const { stdout: packaged } = await run(helm.path, [
  'package',
  join(REPO_ROOT, 'deploy', 'helm', 'zeroloop'),
  '--destination',
  chartDir,
]);
const chart = /saved it to: (\S+)/.exec(packaged)?.[1] ?? '';
log.info('chart.packaged', { chart: relative(REPO_ROOT, chart) });

log.info('image.start', {});
const image = await buildImage({ version, out: join(RELEASE_DIR, 'image'), logger: log });

const summary = {
  version,
  wit: versions.wit,
  protocol: versions.protocol,
  packages: packages.map((p) => ({
    name: p.name,
    version: p.version,
    tarball: relative(RELEASE_DIR, p.tarball),
    bytes: p.size,
    unpackedBytes: p.unpackedSize,
  })),
  chart: { file: relative(RELEASE_DIR, chart), version: versions.chart.version, appVersion: version },
  image: {
    ref: image.ref,
    archive: relative(RELEASE_DIR, image.archive),
    manifestDigest: image.manifestDigest,
    compressedBytes: image.layers.reduce((sum, l) => sum + l.compressedBytes, 0),
    uncompressedBytes: image.layers.reduce((sum, l) => sum + l.uncompressedBytes, 0),
  },
};
await writeFile(join(RELEASE_DIR, 'release.json'), JSON.stringify(summary, null, 2) + '\n');
log.info('release.done', { summary: relative(REPO_ROOT, join(RELEASE_DIR, 'release.json')) });
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
