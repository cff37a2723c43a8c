// The publishable npm packages: which repository folder each comes from and how it is shipped.
//
// Three are TypeScript sources, because only bundlers and the type checker read them in a team's
// project (wrangler bundles the worker, the pipeline's esbuild bundles a reconciler, tsc checks both):
// @zeroloop/protocol, @zeroloop/sdk and @zeroloop/worker. Node does not strip types under node_modules,
// so the packages Node runs are JavaScript: `zeroloop` (the CLI, compiled file by file with its assets in
// the repository's layout), `create-zeroloop` (compiled) and `@zeroloop/relay` (one esbuild bundle, the
// file the relay image runs).

export type Shipping = 'sources' | 'compiled' | 'relay-bundle';

export interface PackageSpec {
  /** The workspace folder, relative to the repository root; its package.json names the package. */
  readonly dir: string;
  readonly shipping: Shipping;
  /** For `sources`: folders (relative to `dir`) whose files are test support, never shipped. */
  readonly skip?: readonly string[];
  /** For `sources`: files (relative to `dir`) that belong to this repository only. */
  readonly skipFiles?: readonly string[];
  /** For `compiled`: the folders (or modules) tsc compiles, tests left out, relative to the repository. */
  readonly entries?: readonly string[];
  /** For `compiled`: folders and files copied as they are (templates, Go modules, the WIT), relative to the repository. */
  readonly assets?: readonly string[];
  /** For `compiled`: packages its code imports only when the project has them (never a dependency). */
  readonly optionalImports?: readonly string[];
  /** For `compiled`: the package.json fields that point at compiled files. */
  readonly manifest?: Readonly<Record<string, unknown>>;
}

export const PACKAGES: readonly PackageSpec[] = [
  { dir: 'src', shipping: 'sources' },
  { dir: 'reconcilers/sdk', shipping: 'sources' },
  {
    dir: 'worker',
    shipping: 'sources',
    skip: ['testing', 'workerd'],
    // The repository's own entry imports this repository's build of the examples.
    skipFiles: ['index.ts'],
  },
  { dir: 'relay', shipping: 'relay-bundle' },
  {
    dir: 'cli',
    shipping: 'compiled',
    // Whole folders, not entry points: some modules are only spawned (`local/start`, jco's preopens), so
    // following imports would miss them.
    entries: ['cli', 'create', 'local', 'cluster', 'relay', 'reconcilers/pipeline', 'src'],
    assets: [
      'wit',
      'cli/templates',
      'create/template',
      'create/package.json',
      'cluster/gomod',
      'cluster/kwokmod',
      'cluster/kwok',
      'reconcilers/sdk-go',
      'reconcilers/pipeline/go',
      'deploy/crds',
      'local/live/page',
    ],
    // `zeroloop new` formats what it writes with the project's prettier, when it has one.
    optionalImports: ['prettier'],
    manifest: {
      bin: { zeroloop: 'cli/main.js' },
      exports: {
        './testing': { types: './cli/testing/component.d.ts', default: './cli/testing/component.js' },
        './node-loader': {
          types: './reconcilers/pipeline/node-loader.d.ts',
          default: './reconcilers/pipeline/node-loader.js',
        },
        './package.json': './package.json',
      },
    },
  },
  {
    dir: 'create',
    shipping: 'compiled',
    entries: ['create'],
    assets: ['create/template', 'create/package.json'],
    manifest: { bin: { 'create-zeroloop': 'create/main.js' } },
  },
];
