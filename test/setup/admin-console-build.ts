import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const CONSOLE_ROOT = join(__dirname, '..', '..', 'apps', 'admin-console');

/**
 * The admin console as `npm run build` makes it, for the app under test: each
 * .ts of apps/admin-console/src transpiled with the console's own compiler
 * options, every other file copied (the same asset rule as nest-cli.json).
 * Transpiling skips the type check, as ts-jest does for the app; `npm run
 * lint` checks the console's types. Takes a fraction of a second, so every
 * run makes a fresh one and nothing stale from dist/ is ever served.
 */
export function buildAdminConsole(outDir: string): void {
  const configFile = join(CONSOLE_ROOT, 'tsconfig.app.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
  const sourceDir = join(CONSOLE_ROOT, 'src');
  for (const entry of readdirSync(sourceDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(outDir, relative(sourceDir, source));
    mkdirSync(dirname(target), { recursive: true });
    if (entry.name.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: options,
        fileName: source,
      });
      writeFileSync(target.replace(/\.ts$/, '.js'), outputText);
    } else {
      copyFileSync(source, target);
    }
  }
}
