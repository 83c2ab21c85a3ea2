import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * The SQL rule (README, "One rule for SQL"), as far as a reading of the
 * source can check it: no `em.execute` in libs/ or apps/ (MikroORM 6 formats
 * its values into the text), and no other `.execute(sql, values)` either
 * (a MikroORM Connection's does the same). Statements carry values as real
 * parameters; a parameterless `.execute(sql)` (fixed text, nothing inlined)
 * is left alone. Specs are not read: a test may call em.execute on purpose.
 */
const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|e2e-spec|d)\.ts$/.test(entry.name) ? [path] : [];
  });
}

function executeCalls(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'execute'
    ) {
      const target = node.expression.expression.getText(file);
      if (/(^|\.)em$/.test(target) || node.arguments.length > 1) {
        const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
        found.push(`${relative(ROOT, path)}:${line + 1}: ${target}.execute(…${node.arguments.length} arguments)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('the SQL rule', () => {
  it('no em.execute, and no .execute(sql, values), in libs/ or apps/ (values go as parameters, through Statements)', () => {
    const files = ['libs', 'apps'].flatMap((dir) => sources(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(executeCalls)).toEqual([]);
  });
});
