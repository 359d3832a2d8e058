#!/usr/bin/env node
import { Command, Option } from 'commander';
import { registerAgentCommands } from './commands/agents.js';
import { runStart } from './commands/start.js';
import { runDiagram } from './commands/diagram.js';
import { registerNluCommands } from './commands/nlu.js';
import { runSchemas } from './commands/schemas.js';
import { runContentTests } from './commands/test.js';
import { runValidate } from './commands/validate.js';
import { registerViberCommands } from './commands/viber.js';

/**
 * The `croupier` command line. Each command lives in its own module under commands/; this file
 * only wires them into commander.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('croupier')
    .description('24/7 casino player support on Telegram, WhatsApp, Viber, Bot Framework and the web.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ croupier start                       run with croupier.yaml (or defaults) on port 3000
  $ croupier start --port 8080 --data-dir /var/lib/croupier
  $ croupier validate                    check croupier.yaml, intents/ and flows/
  $ croupier validate --config prod.yaml
  $ croupier test                        run the conversation tests in flows/tests
  $ croupier diagram withdrawal_status   Mermaid diagram of a flow
  $ croupier nlu parse "donde esta mi retiro"
  $ croupier nlu eval                    cross-validated accuracy of the shipped intents
  $ croupier schemas                     regenerate schemas/*.schema.json for VS Code
  $ croupier agents add --login maria --name "María" --skills general,payments --languages es,en
  $ croupier viber set-webhook https://support.example.com/webhooks/viber

Environment:
  CROUPIER_CONFIG, CROUPIER_PORT, CROUPIER_HOST, CROUPIER_DATA_DIR, CROUPIER_LOG_LEVEL,
  CROUPIER_PLAYER_TOKEN_SECRET (signed player tokens), CROUPIER_SECRET (server signing key)`,
    );

  program
    .command('start')
    .description('start the server: channels, widget demo page, pipeline')
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present)')
    .addOption(new Option('-p, --port <port>', 'port to listen on').argParser((value) => Number.parseInt(value, 10)))
    .option('--host <host>', 'interface to listen on')
    .option('--data-dir <dir>', 'where the embedded database lives')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .addHelpText('after', '\nExample:\n  $ croupier start --port 8080')
    .action(async (options: { config?: string; port?: number; host?: string; dataDir?: string; logLevel?: string }) => {
      process.exitCode = await runStart(options);
    });

  program
    .command('validate')
    .description('check the configuration and the content; prints file:line:column for every problem, exit code 1 on errors')
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present)')
    .option('--json', 'print the problems as JSON')
    .addHelpText('after', '\nExample:\n  $ croupier validate && echo "ready to ship"')
    .action((options: { config?: string; json?: boolean }) => {
      process.exitCode = runValidate(options);
    });

  program
    .command('test [filter]')
    .description('run the conversation tests in flows/tests/*.test.yaml through the real flow engine; exit code 1 on failure')
    .option('--dir <dir>', 'folder of *.test.yaml files', 'flows/tests')
    .addHelpText(
      'after',
      '\nExamples:\n  $ croupier test\n  $ croupier test withdrawal      only tests whose name or file contains "withdrawal"',
    )
    .action(async (filter: string | undefined, options: { dir: string }) => {
      process.exitCode = await runContentTests({ rootDir: process.cwd(), dir: options.dir, ...(filter ? { filter } : {}) });
    });

  program
    .command('diagram [flow]')
    .description('print a Mermaid diagram of a flow, or with --all an index of every flow and the intents that start it')
    .option('--all', 'index of all flows')
    .option('--flows-dir <dir>', 'flows folder', 'flows')
    .addHelpText('after', '\nExamples:\n  $ croupier diagram withdrawal_status > withdrawal.mmd\n  $ croupier diagram --all')
    .action((flow: string | undefined, options: { all?: boolean; flowsDir: string }) => {
      process.exitCode = runDiagram({
        ...(flow ? { flow } : {}),
        ...(options.all ? { all: true } : {}),
        flowsDir: options.flowsDir,
        rootDir: process.cwd(),
      });
    });

  registerNluCommands(program, { rootDir: () => process.cwd() });
  registerAgentCommands(program);
  registerViberCommands(program);

  program
    .command('schemas')
    .description('write the JSON Schemas of the YAML formats (for VS Code autocompletion) into schemas/')
    .option('--dir <dir>', 'output folder', 'schemas')
    .option('--check', 'only check that the committed schemas are up to date')
    .action((options: { dir: string; check?: boolean }) => {
      process.exitCode = runSchemas(options);
    });

  return program;
}

await buildProgram().parseAsync(process.argv);
