// `zeroloop new <name>`: scaffolds reconcilers/<name>/ from a language template; it builds and passes its test at once.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ZEROLOOP_VERSION } from '../../create/project.ts';
import { discover } from '../../reconcilers/pipeline/manifest.ts';
import { PROJECT_ROOT } from '../../reconcilers/pipeline/paths.ts';
import type { KindRef } from '../../src/protocol/schemas.ts';
import { DnsLabel } from '../../src/protocol/schemas.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { checkGroup, checkKind, checkVersion, resolveKind } from '../kinds.ts';
import { scaffold, templateLanguages, type Placeholders } from '../scaffold.ts';
import { starterBody, starterGo, starterTs } from '../starter-objects.ts';

const USAGE = `usage: zeroloop new <name> [options]

Scaffolds reconcilers/<name>/: reconciler.json, src/index.ts (the SDK), crd.yaml, samples/ and a
component test. The new reconciler builds and passes its test at once; its starting logic writes one
object of the first --owns kind (a ConfigMap when --owns is not given), named after the primary and
carrying its spec.message, and reports a Ready condition.

options:
  --primary Kind        the primary's kind (default: <name> in PascalCase)
  --group GROUP         the primary's API group (default: examples.zeroloop.dev)
  --version VERSION     the primary's API version (default: v1alpha1)
  --owns Kind,…         the owned kinds: a built-in name (Deployment, Service, Secret, Job, …) or
                        apiVersion/Kind (example.com/v1/Widget); the starting logic writes the
                        first (default: ConfigMap)
  --language LANG       the template, a folder of cli/templates/ (default: ts)

then:
  npx zeroloop test <name>           build it with the pipeline and run its component test
  npx zeroloop dev <name>            run it against a local cluster, rebuilding on save
`;

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The CRD plural of a kind, by the usual English rules (override in crd.yaml if wrong). */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/** What a reconciler owns when `--owns` is not given: the starting logic writes one ConfigMap. */
const DEFAULT_OWNED: KindRef = { apiVersion: 'v1', kind: 'ConfigMap' };

/** Every placeholder's value for `zeroloop new` with these arguments; bad arguments are UsageErrors. */
export function placeholdersFor(
  name: string,
  flags: {
    primary?: string | undefined;
    group?: string | undefined;
    version?: string | undefined;
    owns: readonly string[];
  },
): Placeholders {
  if (!DnsLabel.safeParse(name).success)
    throw new UsageError(
      `"${name}" is not a reconciler name: use lower-case letters, digits and "-" (a DNS label, at most 63 characters), like "greeting"`,
    );
  const Kind = checkKind(
    flags.primary ?? pascalCase(name),
    flags.primary === undefined ? '<name> in PascalCase' : '--primary',
  );
  const group = checkGroup(flags.group ?? 'examples.zeroloop.dev', '--group');
  const version = checkVersion(flags.version ?? 'v1alpha1', '--version');
  const owns: KindRef[] = [];
  for (const text of flags.owns
    .flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter((o) => o !== '')) {
    const ref = resolveKind(text);
    if (!owns.some((o) => o.apiVersion === ref.apiVersion && o.kind === ref.kind)) owns.push(ref);
  }
  const [owned = DEFAULT_OWNED] = owns;
  if (owns.length === 0) owns.push(owned);
  const body = starterBody(owned);
  return {
    name,
    Kind,
    kind: Kind.toLowerCase(),
    plural: pluralOf(Kind),
    group,
    version,
    apiVersion: `${group}/${version}`,
    ownsJson: JSON.stringify(owns),
    ownsList: owns.map((o) => `${o.apiVersion} ${o.kind}`).join(', '),
    ownsGo: owns.map((o) => `zl.Kind{APIVersion: "${o.apiVersion}", Kind: "${o.kind}"}`).join(', '),
    ownedApiVersion: owned.apiVersion,
    ownedKind: owned.kind,
    ownedBodyTs: starterTs(body),
    ownedBodyGo: starterGo(body),
    zeroloopVersion: ZEROLOOP_VERSION,
  };
}

export const newCommand: Command = {
  name: 'new',
  summary: 'scaffold reconcilers/<name>/ (source, CRD, sample, component test) from a template',
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, {
      primary: { type: 'string' },
      group: { type: 'string' },
      version: { type: 'string' },
      owns: { type: 'string', multiple: true },
      language: { type: 'string', default: 'ts' },
    });
    const [name, ...extra] = positionals;
    if (name === undefined)
      throw new UsageError('missing <name>: the new reconciler\'s name, like "greeting"');
    if (extra.length > 0) throw new UsageError(`one name at a time; also got ${extra.join(' ')}`);
    const languages = await templateLanguages();
    if (!languages.includes(values.language))
      throw new UsageError(
        `--language "${values.language}" has no template: use one of ${languages.join(', ')}`,
      );
    const placeholders = placeholdersFor(name, { ...values, owns: values.owns ?? [] });

    const target = join(PROJECT_ROOT, 'reconcilers', name);
    if (existsSync(target)) {
      context.stderr(
        `zeroloop new: ${relative(context.cwd, target) || target} already exists: pick another name, or remove that folder first\n`,
      );
      return EXIT.failed;
    }
    const taken = (await discover(PROJECT_ROOT)).find((s) => s.manifest.name === name);
    if (taken !== undefined) {
      context.stderr(
        `zeroloop new: the name "${name}" is taken by ${relative(PROJECT_ROOT, taken.dir)}: reconciler names are unique, pick another\n`,
      );
      return EXIT.failed;
    }
    const written = await scaffold(values.language, target, placeholders);
    const shown = relative(context.cwd, target) || '.';
    context.stdout(
      `created ${shown}/ (${values.language}): ${placeholders.apiVersion} ${placeholders.Kind}, owns ${placeholders.ownsList}\n` +
        written.map((f) => `  ${f}\n`).join('') +
        `\nnext:\n  npx zeroloop test ${name}\n  npx zeroloop dev ${name}\n`,
    );
    return EXIT.ok;
  },
};
