import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT, print } from './cli-support';
import { STARTER_FILES, STARTER_SCRIPTS } from './starter/starter-files';

/** `warren init [dir]`: a runnable starter project. Never overwrites a file. */
export function initCommand(dir: string | undefined): void {
  const root = path.resolve(dir ?? '.');
  const existing = Object.keys(STARTER_FILES).filter((file) => fs.existsSync(path.join(root, file)));
  if (existing.length > 0) {
    throw new CliError(`warren init writes no file that exists already, and ${root} has ${existing.join(', ')}: move them away or run it in an empty directory.`, EXIT.usage);
  }
  for (const [file, text] of Object.entries(STARTER_FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  const { added, kept } = addScripts(path.join(root, 'package.json'));
  print([
    `wrote ${Object.keys(STARTER_FILES).join(', ')} in ${root}`,
    `added npm scripts: ${added.join(', ') || 'none'}${kept.length ? ` (kept your own ${kept.join(', ')})` : ''}`,
    '',
    'next:',
    '  npm install -D typescript @types/node      for npm run typecheck',
    '  npm run dev                                the jobs and app.ts in one process, on the embedded broker',
    '  WARREN_BROKER_URL=amqp://guest:guest@127.0.0.1:5672 npm start      the runtime on RabbitMQ',
    '  WARREN_BROKER_URL=amqp://guest:guest@127.0.0.1:5672 npm run app    app.ts against it, from another shell',
  ]);
}

/** Adds the starter's scripts to package.json (made if missing), keeping any the project has. */
function addScripts(file: string): { added: string[]; kept: string[] } {
  const pkg: { scripts?: Record<string, string> } = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { name: path.basename(path.dirname(file)), private: true };
  const scripts = { ...pkg.scripts };
  const added: string[] = [];
  const kept: string[] = [];
  for (const [name, command] of Object.entries(STARTER_SCRIPTS)) {
    if (scripts[name] === undefined || /no test specified/.test(scripts[name] ?? '')) {
      scripts[name] = command;
      added.push(name);
    } else if (scripts[name] !== command) kept.push(name);
  }
  fs.writeFileSync(file, `${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`);
  return { added, kept };
}
