import { join } from 'node:path';
import { backOfficePort } from '../../crm/actions.js';
import { DemoBackOffice } from '../../crm/demo-back-office.js';
import { formatIssue } from '../../core/content-issue.js';
import { loadConversationTests, runConversationTest, type TestResult, type TestWorld } from '../../dialogue/conversation-test.js';
import { FlowBot } from '../../dialogue/flow-bot.js';
import { sentimentPort } from '../../nlu/sentiment.js';
import { buildContent } from '../../server/live-content.js';

/** The world conversation tests run in: the shipped content, the real engine, the demo back office. */
export function contentTestWorld(
  rootDir: string,
  dirs: { intentsDir?: string; flowsDir?: string; defaultLanguage?: string } = {},
): { world: TestWorld | undefined; problems: string[] } {
  const { content, issues } = buildContent({
    rootDir,
    intentsDir: dirs.intentsDir ?? 'intents',
    flowsDir: dirs.flowsDir ?? 'flows',
    defaultLanguage: dirs.defaultLanguage ?? 'en',
  });
  if (!content) return { world: undefined, problems: issues.filter((i) => i.severity === 'error').map(formatIssue) };
  return {
    world: {
      catalogue: content.catalogue,
      makeBot: (store, clock) =>
        new FlowBot({
          content: () => content,
          // a fixed random source makes the demo's one-time code 123456, so tests can type it
          backOffice: backOfficePort(new DemoBackOffice(clock, { random: () => 0.123456 })),
          players: store.players,
          events: store.events,
          clock,
          anger: { sentiment: sentimentPort() },
        }),
    },
    problems: [],
  };
}

/** `croupier test`: runs flows/tests/*.test.yaml and prints a readable diff per failure. Returns the exit code. */
export async function runContentTests(
  options: { rootDir: string; dir?: string; filter?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const { world, problems } = contentTestWorld(options.rootDir);
  if (!world) {
    out.write(`the content has errors, fix them first (croupier validate):\n${problems.join('\n')}\n`);
    return 1;
  }
  const { tests, issues } = loadConversationTests(join(options.rootDir, options.dir ?? 'flows/tests'), options.rootDir);
  for (const issue of issues) out.write(`${formatIssue(issue)}\n`);
  const selected = tests.filter((t) => !options.filter || t.test.name.includes(options.filter) || t.file.includes(options.filter));
  const results: TestResult[] = [];
  for (const test of selected) {
    const result = await runConversationTest(test, world);
    results.push(result);
    out.write(
      result.passed
        ? `  ✔ ${result.file}:${result.line} ${result.name} [${result.language}]\n`
        : `  ✖ ${result.file}:${result.line} ${result.name} [${result.language}]\n${indent(result.failure ?? '')}\n`,
    );
  }
  const failed = results.filter((r) => !r.passed).length;
  out.write(`\n${results.length - failed} passed, ${failed} failed\n`);
  return failed > 0 || issues.length > 0 || results.length === 0 ? 1 : 0;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}
