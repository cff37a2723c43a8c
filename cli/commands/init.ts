// `zeroloop init <folder>`: a new project of reconcilers outside this repository (what `npm create zeroloop` runs).
import { runCreate } from '../../create/cli.ts';
import type { Command } from '../command.ts';

const USAGE = `usage: zeroloop init <folder> [--name NAME]

Creates <folder> (it must not exist, or be empty) holding a project of zeroloop reconcilers:
package.json depending on zeroloop's packages, worker/index.ts and wrangler.toml for the project's own
worker, tsconfig.json, eslint.config.js, reconcilers/ and a README. The same as
\`npm create zeroloop <folder>\`.

options:
  --name NAME   the package name (default: the folder's name)

then:
  cd <folder> && npm install && npx zeroloop new <name> && npm test

exit codes: 0 created, 1 refused (the folder is in use, the name is not a package name), 2 bad arguments
`;

export const initCommand: Command = {
  name: 'init',
  summary: 'create a project of reconcilers in a new folder (npm create zeroloop)',
  usage: USAGE,
  run: (args, context) => runCreate(args, context),
};
