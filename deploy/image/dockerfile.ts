// Reads a Dockerfile's instructions per stage (FROM, ARG, COPY/ADD, ENV, WORKDIR, USER, EXPOSE, LABEL, ENTRYPOINT, CMD), enough to compare it with the daemonless image.
//
// It handles what deploy/Dockerfile uses: comments, `\` line continuations, `ARG` defaults before
// FROM and `${VAR}` in FROM, `KEY=value` ENV and LABEL pairs, exec-form (JSON) ENTRYPOINT/CMD, and
// COPY's --from/--chown flags. Anything else it refuses by name rather than guess.

export interface CopyInstruction {
  /** `COPY` or `ADD`. */
  op: 'COPY' | 'ADD';
  /** How many RUNs of its stage come before it (a COPY with 0 is in place for the first RUN). */
  runsBefore: number;
  from?: string;
  chown?: string;
  sources: string[];
  dest: string;
}

export interface Stage {
  /** The FROM image, `${ARG}`s substituted. */
  image: string;
  name?: string;
  copies: CopyInstruction[];
  runs: string[];
  env: string[];
  labels: Record<string, string>;
  workdir?: string;
  user?: string;
  expose: string[];
  entrypoint?: string[];
  cmd?: string[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  args: Record<string, string>;
  stages: Stage[];
}

/** The Dockerfile says something this reader does not handle; names the line. */
export class DockerfileUnsupported extends Error {
  override readonly name = 'DockerfileUnsupported';
  readonly source: string;
  readonly line: string;
  constructor(source: string, line: string, problem: string) {
    super(`${source}: ${problem}: ${line}`);
    this.source = source;
    this.line = line;
  }
}

function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') out.push(current.trim());
    current = '';
  }
  return out;
}

function pairs(rest: string, source: string, line: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of rest.matchAll(/(\S+?)=("([^"]*)"|\S*)/g)) {
    const [, key = '', raw = '', quoted] = m;
    out.push([key, quoted ?? raw]);
  }
  if (out.length === 0) throw new DockerfileUnsupported(source, line, 'only KEY=value form is read');
  return out;
}

function execForm(rest: string, source: string, line: string): string[] {
  try {
    const parsed: unknown = JSON.parse(rest);
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
  } catch {
    // fall through
  }
  throw new DockerfileUnsupported(source, line, 'only the exec (JSON array) form is read');
}

/** Parses Dockerfile text; `source` names it in errors. */
export function parseDockerfile(text: string, source = 'Dockerfile'): Dockerfile {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  const subst = (s: string) =>
    s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args[a ?? b ?? ''] ?? '');
  for (const line of logicalLines(text)) {
    const [op = '', ...restParts] = line.split(/\s+/);
    const rest = line.slice(op.length).trim();
    const keyword = op.toUpperCase();
    const stage = stages.at(-1);
    if (keyword === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      if (stage === undefined) args[name] = value;
      continue;
    }
    if (keyword === 'FROM') {
      const [image = '', as, name] = restParts;
      stages.push({
        image: subst(image),
        ...(as?.toUpperCase() === 'AS' && name !== undefined ? { name } : {}),
        copies: [],
        runs: [],
        env: [],
        labels: {},
        expose: [],
      });
      continue;
    }
    if (stage === undefined) throw new DockerfileUnsupported(source, line, 'an instruction before FROM');
    switch (keyword) {
      case 'COPY':
      case 'ADD': {
        const flags = restParts.filter((p) => p.startsWith('--'));
        const paths = restParts.filter((p) => !p.startsWith('--'));
        const flag = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
        const dest = paths.pop();
        if (dest === undefined || paths.length === 0)
          throw new DockerfileUnsupported(source, line, 'COPY needs a source and a destination');
        const from = flag('from');
        const chown = flag('chown');
        stage.copies.push({
          op: keyword,
          runsBefore: stage.runs.length,
          sources: paths,
          dest,
          ...(from !== undefined ? { from } : {}),
          ...(chown !== undefined ? { chown } : {}),
        });
        break;
      }
      case 'RUN':
        stage.runs.push(rest);
        break;
      case 'ENV':
        for (const [k, v] of pairs(rest, source, line)) stage.env.push(`${k}=${v}`);
        break;
      case 'LABEL':
        for (const [k, v] of pairs(rest, source, line)) stage.labels[k] = v;
        break;
      case 'WORKDIR':
        stage.workdir = rest;
        break;
      case 'USER':
        stage.user = rest;
        break;
      case 'EXPOSE':
        stage.expose.push(...restParts.map((p) => (p.includes('/') ? p : `${p}/tcp`)));
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(rest, source, line);
        break;
      case 'CMD':
        stage.cmd = execForm(rest, source, line);
        break;
      default:
        throw new DockerfileUnsupported(source, line, `instruction ${keyword} is not read`);
    }
  }
  if (stages.length === 0) throw new DockerfileUnsupported(source, '', 'no FROM');
  return { args, stages };
}
