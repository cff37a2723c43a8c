// Holds the contract together: wit/reconciler.wit, jco's guest types, src/contract/wit.ts and the zod schemas must agree.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { generateGuestTypes } from '../../reconcilers/pipeline/guest-types.ts';
import * as schemas from '../protocol/schemas.ts';
import { WIT_VERSION } from '../protocol/version.ts';
import { type Shape, type Shapes, witShapes, worldExports } from './wit-shapes.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFile(new URL(path, root), 'utf8');

/** Record fields are optional when marked `?` or typed `| undefined` (jco and wit.ts spell WIT options both ways). */
function isOptional(member: ts.PropertySignature): boolean {
  const type = member.type;
  const withUndefined =
    type !== undefined &&
    ts.isUnionTypeNode(type) &&
    type.types.some((t) => t.kind === ts.SyntaxKind.UndefinedKeyword);
  return member.questionToken !== undefined || withUndefined;
}

function props(members: ts.NodeArray<ts.TypeElement>): ts.PropertySignature[] {
  return members.filter(ts.isPropertySignature);
}

function propName(p: ts.PropertySignature): string {
  return p.name.getText();
}

/** The tag of a variant case `{ tag: 'x'; val?: T }`, or undefined if it is not one. */
function variantCase(members: ts.NodeArray<ts.TypeElement>): [string, 'unit' | 'payload'] | undefined {
  const tag = props(members).find((p) => propName(p) === 'tag');
  if (!tag?.type || !ts.isLiteralTypeNode(tag.type) || !ts.isStringLiteral(tag.type.literal))
    return undefined;
  const hasVal = props(members).some((p) => propName(p) === 'val');
  return [tag.type.literal.text, hasVal ? 'payload' : 'unit'];
}

/**
 * Shapes of the interfaces and union type aliases in TypeScript declarations. `rename` maps a
 * declared name to the WIT type's name, or undefined to skip the declaration.
 */
export function declaredShapes(text: string, rename: (name: string) => string | undefined): Shapes {
  const file = ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.ES2024, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const aliases = new Map<string, ts.TypeAliasDeclaration>();
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
    else if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  const shapes: Shapes = {};
  const variantCases = new Set<string>();
  for (const [name, alias] of aliases) {
    const witName = rename(name);
    if (witName === undefined || !ts.isUnionTypeNode(alias.type)) continue;
    const members = alias.type.types;
    if (members.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal))) {
      shapes[witName] = {
        kind: 'enum',
        cases: members.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text),
      };
      continue;
    }
    const cases: Record<string, 'unit' | 'payload'> = {};
    for (const t of members) {
      let found: [string, 'unit' | 'payload'] | undefined;
      if (ts.isTypeLiteralNode(t)) found = variantCase(t.members);
      else if (ts.isTypeReferenceNode(t)) {
        const target = interfaces.get(t.typeName.getText());
        if (target) {
          variantCases.add(target.name.text);
          found = variantCase(target.members);
        }
      }
      if (!found) throw new Error(`${name}: cannot read union member ${t.getText()}`);
      cases[found[0]] = found[1];
    }
    shapes[witName] = { kind: 'variant', cases };
  }
  for (const [name, decl] of interfaces) {
    const witName = rename(name);
    if (witName === undefined || variantCases.has(name)) continue;
    const fields: Record<string, 'required' | 'optional'> = {};
    for (const p of props(decl.members)) fields[propName(p)] = isOptional(p) ? 'optional' : 'required';
    shapes[witName] = { kind: 'record', fields };
  }
  return shapes;
}

interface ZodLike {
  _zod: { def: { type: string; entries?: Record<string, string>; options?: ZodLike[]; values?: unknown[] } };
  shape?: Record<string, ZodLike>;
}

function zodRecord(schema: ZodLike, omit: readonly string[] = []): Shape {
  const fields: Record<string, 'required' | 'optional'> = {};
  for (const [key, value] of Object.entries(schema.shape ?? {})) {
    if (omit.includes(key)) continue;
    const t = value._zod.def.type;
    fields[key] = t === 'optional' || t === 'nullable' ? 'optional' : 'required';
  }
  return { kind: 'record', fields };
}

/**
 * A discriminated union as a WIT variant: a case with no other key is a unit case; a case with keys
 * carries a payload, which is either `ref` (an object-ref) or the payload record flattened into the
 * case (returned under `flattened[tag]` so it is compared with the WIT record too).
 */
function zodVariant(
  union: ZodLike,
  discriminant: string,
  flattened: Record<string, string>,
  shapes: Shapes,
): Shape {
  const cases: Record<string, 'unit' | 'payload'> = {};
  for (const option of union._zod.def.options ?? []) {
    const tag = option.shape?.[discriminant]?._zod.def.values?.[0];
    if (typeof tag !== 'string') throw new Error(`an option without a literal \`${discriminant}\``);
    const keys = Object.keys(option.shape ?? {}).filter((k) => k !== discriminant);
    if (keys.length === 0) cases[tag] = 'unit';
    else if (keys.join() === 'ref') cases[tag] = 'payload';
    else {
      const record = flattened[tag];
      if (record === undefined) throw new Error(`case ${tag}: payload must be "ref", got ${keys.join()}`);
      cases[tag] = 'payload';
      shapes[record] = zodRecord(option, [discriminant]);
    }
  }
  return { kind: 'variant', cases };
}

/**
 * The WIT types as the JSON protocol carries them. Deliberate differences, checked here rather
 * than skipped: `trigger` is discriminated on `type` with the payload in `ref` (`external` carries its
 * `external-event` fields flattened); `last-write` is discriminated on `state` (`failed` carries the
 * `write-failure` fields flattened) and is optional in JSON, where absent means `unknown`;
 * `list<label>` is a JSON map (so `label` must stay exactly `{key, value}`); `event-type` uses
 * Kubernetes' case.
 */
export function zodShapes(): Shapes {
  const z = schemas as unknown as Record<string, ZodLike>;
  const get = (name: string): ZodLike => {
    const s = z[name];
    if (!s) throw new Error(`src/protocol/schemas.ts exports no ${name}`);
    return s;
  };
  const request = zodRecord(get('ReconcileRequest'));
  if (request.kind === 'record' && request.fields.lastWrite === 'optional')
    request.fields.lastWrite = 'required';
  const shapes: Shapes = {
    KindRef: zodRecord(get('KindRef')),
    ObjectRef: zodRecord(get('ObjectRef')),
    Descriptor: zodRecord(get('Descriptor')),
    Request: request,
    Selector: zodRecord(get('Selector')),
    Event: zodRecord(get('ReconcilerEvent')),
    Response: zodRecord(get('ReconcileResponse')),
  };
  shapes.Trigger = zodVariant(get('Trigger'), 'type', { external: 'ExternalEvent' }, shapes);
  shapes.LastWrite = zodVariant(get('LastWrite'), 'state', { failed: 'WriteFailure' }, shapes);
  shapes.WriteStep = { kind: 'enum', cases: Object.values(get('WriteStep')._zod.def.entries ?? {}) };
  const eventType = get('ReconcilerEvent').shape?.type?._zod.def.entries ?? {};
  shapes.EventType = { kind: 'enum', cases: Object.values(eventType).map((v) => v.toLowerCase()) };
  if (get('Selector').shape?.matchLabels?._zod.def.type === 'record') {
    shapes.Label = { kind: 'record', fields: { key: 'required', value: 'required' } };
  }
  return shapes;
}

/** Every way two shape sets disagree, as readable lines (empty when they agree). */
export function differences(a: Shapes, b: Shapes, nameA: string, nameB: string): string[] {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[name];
    const y = b[name];
    if (!x || !y) {
      out.push(`${name}: declared in ${x ? nameA : nameB} only`);
      continue;
    }
    if (x.kind !== y.kind) {
      out.push(`${name}: a ${x.kind} in ${nameA}, a ${y.kind} in ${nameB}`);
      continue;
    }
    const left: Record<string, string> =
      x.kind === 'record'
        ? x.fields
        : x.kind === 'variant'
          ? x.cases
          : Object.fromEntries(x.cases.map((c) => [c, 'case']));
    const right: Record<string, string> =
      y.kind === 'record'
        ? y.fields
        : y.kind === 'variant'
          ? y.cases
          : Object.fromEntries(y.cases.map((c) => [c, 'case']));
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      if (left[key] === undefined) out.push(`${name}.${key}: in ${nameB} only`);
      else if (right[key] === undefined) out.push(`${name}.${key}: in ${nameA} only`);
      else if (left[key] !== right[key])
        out.push(`${name}.${key}: ${left[key]} in ${nameA}, ${right[key]} in ${nameB}`);
    }
  }
  return out;
}

/** wit.ts names its types `Wit<Name>`; other declarations there (exports, factories) are not WIT types. */
const witTsName = (name: string): string | undefined => (/^Wit[A-Z]/.test(name) ? name.slice(3) : undefined);
const guestName = (name: string): string | undefined => (name === 'Result' ? undefined : name);

/** Method names of an interface, or exported function names of a `declare module` block. */
function declaredFunctions(text: string, container: string): string[] {
  const file = ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.ES2024, true);
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === container) {
      for (const m of node.members) if (ts.isMethodSignature(m)) names.push(m.name.getText());
    } else if (
      ts.isModuleDeclaration(node) &&
      ts.isStringLiteral(node.name) &&
      node.name.text === container
    ) {
      node.body?.forEachChild((n) => {
        if (ts.isFunctionDeclaration(n) && n.name) names.push(n.name.text);
      });
    } else ts.forEachChild(node, visit);
  };
  visit(file);
  return names.sort();
}

let dir: string;
let wit: Shapes;
let guest: Shapes;
let contract: Shapes;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeroloop-guest-types-'));
  await generateGuestTypes(dir);
  wit = witShapes(await read('wit/reconciler.wit'));
  guest = declaredShapes(
    await readFile(join(dir, 'interfaces', 'zeroloop-reconciler-types.d.ts'), 'utf8'),
    guestName,
  );
  contract = declaredShapes(await read('src/contract/wit.ts'), witTsName);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('contract agreement', () => {
  test('the WIT should declare the types the contract is built from', () => {
    for (const name of [
      'KindRef',
      'ObjectRef',
      'Descriptor',
      'ExternalEvent',
      'Trigger',
      'WriteStep',
      'WriteFailure',
      'LastWrite',
      'Request',
      'Label',
      'Selector',
      'EventType',
      'Event',
      'Response',
    ]) {
      assert.ok(wit[name], `wit/reconciler.wit declares no ${name}`);
    }
    assert.deepEqual(wit.Trigger, {
      kind: 'variant',
      cases: { primary: 'unit', owned: 'payload', related: 'payload', requeue: 'unit', external: 'payload' },
    });
    assert.deepEqual(wit.LastWrite, {
      kind: 'variant',
      cases: { unknown: 'unit', applied: 'unit', failed: 'payload' },
    });
  });

  test("jco's guest types should have exactly the WIT's fields, options and cases", () => {
    assert.deepEqual(differences(wit, guest, 'wit/reconciler.wit', 'jco guest-types'), []);
  });

  test('src/contract/wit.ts should declare every WIT type with the same fields, options and cases', () => {
    assert.deepEqual(differences(wit, contract, 'wit/reconciler.wit', 'src/contract/wit.ts'), []);
  });

  test('the zod schemas should carry every WIT record field, option and case', () => {
    assert.deepEqual(differences(wit, zodShapes(), 'wit/reconciler.wit', 'src/protocol/schemas.ts'), []);
  });

  test('the world should export the same functions as jco guest types and ReconcilerExports declare', async () => {
    const exports = worldExports(await read('wit/reconciler.wit'), 'reconciler').sort();
    assert.deepEqual(exports, ['describe', 'reconcile']);
    const world = await readFile(join(dir, 'reconciler.d.ts'), 'utf8');
    assert.deepEqual(declaredFunctions(world, `zeroloop:reconciler/reconciler@${WIT_VERSION}`), exports);
    assert.deepEqual(declaredFunctions(await read('src/contract/wit.ts'), 'ReconcilerExports'), exports);
  });

  test('a field added to the WIT alone should be reported against each of the others', async () => {
    const text = (await read('wit/reconciler.wit')).replace(
      'record descriptor {',
      'record descriptor {\n    extra-field: string,',
    );
    const changed = witShapes(text);
    for (const [other, name] of [
      [guest, 'jco guest-types'],
      [contract, 'src/contract/wit.ts'],
      [zodShapes(), 'src/protocol/schemas.ts'],
    ] as const) {
      assert.deepEqual(
        differences(changed, other, 'wit', name),
        ['Descriptor.extraField: in wit only'],
        name,
      );
    }
  });

  test('a field added to src/contract/wit.ts alone should be reported', async () => {
    const text = (await read('src/contract/wit.ts')).replace(
      'export interface WitResponse {',
      'export interface WitResponse {\n  priority: number;',
    );
    assert.deepEqual(differences(wit, declaredShapes(text, witTsName), 'wit', 'ts'), [
      'Response.priority: in ts only',
    ]);
  });

  test('an option turned required, a new variant case and a new enum case should each be reported', () => {
    const text = `record selector { api-version: string, kind: string, namespace: string, name: option<string>, match-labels: list<label> }
      variant trigger { primary, owned(object-ref), related(object-ref), requeue, external(external-event), manual }
      enum event-type { normal, warning, %error }`;
    const changed = { ...wit, ...witShapes(text) };
    assert.deepEqual(differences(changed, contract, 'wit', 'ts').sort(), [
      'EventType.error: in wit only',
      'Selector.namespace: required in wit, optional in ts',
      'Trigger.manual: in wit only',
    ]);
  });
});
