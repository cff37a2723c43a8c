// The command line of `npm create zeroloop <folder>` (and `zeroloop init`): parses it, creates the project, says what next.
import { parseArgs } from 'node:util';
import { createProject, ProjectInvalid } from './project.ts';

const USAGE = `usage: npm create zeroloop <folder> [-- --name NAME]

Creates <folder> (it must not exist, or be empty) holding a project of zeroloop reconcilers: package.json
(depending on zeroloop's packages), worker/index.ts and wrangler.toml for this project's worker,
tsconfig.json, eslint.config.js, reconcilers/ and a README.

options:
  --name NAME   the package name (default: the folder's name)
`;

/** Runs the command line; resolves to the exit code (0 done, 1 refused, 2 bad arguments). */
export async function runCreate(
  argv: readonly string[],
  io: { cwd: string; stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.stderr(`create-zeroloop: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const [dir, ...extra] = parsed.positionals;
  if (dir === undefined || extra.length > 0) {
    io.stderr(`create-zeroloop: give exactly one folder\n\n${USAGE}`);
    return 2;
  }
  try {
    const project = await createProject({ dir, cwd: io.cwd, name: parsed.values.name });
    io.stdout(
      `created ${dir}/ (${project.name}):\n${project.files.map((f) => `  ${f}\n`).join('')}\n` +
        `next:\n  cd ${dir}\n  npm install\n  npx zeroloop new <name>\n  npm test\n  npx zeroloop dev <name>\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ProjectInvalid)) throw error;
    io.stderr(`create-zeroloop: ${error.message}\n`);
    return 1;
  }
}
