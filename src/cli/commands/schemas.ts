import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas } from '../../config/json-schemas.js';

/**
 * `croupier schemas`: writes the JSON Schemas into `dir` (default schemas/), or with `check` reports
 * the files that are missing or out of date (exit code 1).
 */
export function runSchemas(options: { dir: string; check?: boolean }, out: NodeJS.WritableStream = process.stdout): number {
  const stale: string[] = [];
  if (!options.check) mkdirSync(options.dir, { recursive: true });
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const file = join(options.dir, name);
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    if (options.check) {
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(file);
    } else {
      writeFileSync(file, text);
      out.write(`wrote ${file}\n`);
    }
  }
  if (options.check) {
    for (const file of stale) out.write(`${file} is out of date: run \`croupier schemas\`\n`);
    if (stale.length === 0) out.write('schemas are up to date\n');
  }
  return stale.length > 0 ? 1 : 0;
}
