// Reads the shapes of a WIT interface's types (records, variants, enums) from WIT text, for the agreement test.

/** A type's shape, with names as jco spells them in JavaScript (camelCase fields, PascalCase types). */
export type Shape =
  | { kind: 'record'; fields: Record<string, 'required' | 'optional'> }
  | { kind: 'variant'; cases: Record<string, 'unit' | 'payload'> }
  | { kind: 'enum'; cases: string[] };

export type Shapes = Record<string, Shape>;

/** `match-labels` → `matchLabels`; a leading `%` (WIT keyword escape) is dropped. */
export function camel(kebab: string): string {
  return kebab.replace(/^%/, '').replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `kind-ref` → `KindRef`. */
export function pascal(kebab: string): string {
  const c = camel(kebab);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** Splits a body on top-level commas (commas inside `<...>` or `(...)` belong to a type). */
function items(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '<' || ch === '(') depth++;
    if (ch === '>' || ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out.filter((s) => s.length > 0);
}

/** The records, variants and enums declared anywhere in the WIT text. Throws on a field it cannot read. */
export function witShapes(text: string): Shapes {
  const source = stripComments(text);
  const shapes: Shapes = {};
  for (const m of source.matchAll(/\b(record|variant|enum)\s+(%?[a-z][a-z0-9-]*)\s*\{([^}]*)\}/g)) {
    const [, kind, name = '', body = ''] = m;
    if (kind === 'record') {
      const fields: Record<string, 'required' | 'optional'> = {};
      for (const item of items(body)) {
        const field = /^(%?[a-z][a-z0-9-]*)\s*:\s*(.+)$/s.exec(item);
        if (!field?.[1] || !field[2]) throw new Error(`record ${name}: cannot read field "${item}"`);
        fields[camel(field[1])] = field[2].trim().startsWith('option<') ? 'optional' : 'required';
      }
      shapes[pascal(name)] = { kind: 'record', fields };
    } else if (kind === 'variant') {
      const cases: Record<string, 'unit' | 'payload'> = {};
      for (const item of items(body)) {
        const c = /^(%?[a-z][a-z0-9-]*)\s*(\(.*\))?$/s.exec(item);
        if (!c?.[1]) throw new Error(`variant ${name}: cannot read case "${item}"`);
        cases[c[1].replace(/^%/, '')] = c[2] ? 'payload' : 'unit';
      }
      shapes[pascal(name)] = { kind: 'variant', cases };
    } else {
      shapes[pascal(name)] = { kind: 'enum', cases: items(body).map((c) => c.replace(/^%/, '')) };
    }
  }
  return shapes;
}

/** The functions a world exports (`export name: func(...)`), camelCased as jco names them. */
export function worldExports(text: string, world: string): string[] {
  const source = stripComments(text);
  const start = new RegExp(`\\bworld\\s+${world}\\s*\\{`).exec(source);
  if (!start) throw new Error(`no world ${world}`);
  const open = start.index + start[0].length;
  let depth = 1;
  let end = open;
  while (end < source.length && depth > 0) {
    if (source[end] === '{') depth++;
    if (source[end] === '}') depth--;
    end++;
  }
  const body = source.slice(open, end - 1);
  return [...body.matchAll(/\bexport\s+(%?[a-z][a-z0-9-]*)\s*:\s*func\b/g)].map((m) => camel(m[1] ?? ''));
}
