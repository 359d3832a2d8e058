import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTestWorld } from '../../src/cli/commands/test.js';
import { loadConversationTests, runConversationTest } from '../../src/dialogue/conversation-test.js';
import { loadFlowDirectory } from '../../src/dialogue/flow-loader.js';

/**
 * The shipped conversation tests (flows/tests/*.test.yaml) are part of `npm test`: one vitest test
 * per conversation, through the real NLU, flow engine and demo back office.
 */
const root = process.cwd();
const { world, problems } = contentTestWorld(root);
const { tests, issues } = loadConversationTests(join(root, 'flows/tests'), root);

describe('shipped content', () => {
  it('loads without errors', () => {
    expect(problems).toEqual([]);
    expect(issues).toEqual([]);
  });

  it('has a conversation test for every flow an intent starts, in every language', () => {
    const { flows } = loadFlowDirectory(join(root, 'flows'), root);
    const covered = new Set(
      tests.flatMap(({ test }) => test.turns.flatMap((turn) => (turn.expect.flow ? [`${test.language}/${turn.expect.flow}`] : []))),
    );
    const missing: string[] = [];
    for (const language of world?.catalogue.languages ?? []) {
      for (const flow of flows.values())
        if (flow.triggers.length > 0 && !covered.has(`${language}/${flow.id}`)) missing.push(`${language}/${flow.id}`);
    }
    expect(missing).toEqual([]);
  });
});

describe.each(tests.map((t) => [`${t.file}:${t.line} ${t.test.name} [${t.test.language}]`, t] as const))(
  'conversation %s',
  (_name, loaded) => {
    it('behaves as written', async () => {
      if (!world) throw new Error(problems.join('\n'));
      const result = await runConversationTest(loaded, world);
      expect(result.failure ?? 'passed').toBe('passed');
    });
  },
);
