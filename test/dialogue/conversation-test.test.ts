import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { contentTestWorld, runContentTests } from '../../src/cli/commands/test.js';
import { loadConversationTests, runConversationTest } from '../../src/dialogue/conversation-test.js';
import { tempDir } from '../support/server.js';

function capture() {
  let text = '';
  return { stream: new Writable({ write: (chunk: Buffer, _e, cb) => ((text += chunk.toString()), cb()) }), text: () => text };
}

describe('conversation test runner', () => {
  const { world } = contentTestWorld(process.cwd());

  it('explains a failing turn with expected and actual', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'wrong.test.yaml'),
      'tests:\n  - name: expects the wrong thing\n    language: en\n    turns:\n      - user: where is my withdrawal\n        expect: { says: ["balloon"], flow: vip }\n',
    );
    const { tests, issues } = loadConversationTests(dir, dir);
    expect(issues).toEqual([]);
    const result = await runConversationTest(tests[0]!, world!);
    expect(result.passed).toBe(false);
    expect(result.failure).toContain('turn 1 (player: where is my withdrawal)');
    expect(result.failure).toContain('expected a reply containing "balloon"');
    expect(result.failure).toContain('expected flow "vip" to start');
    expect(result.failure).toContain("bot: To show account details I need to confirm it's you.");
    expect(result.failure).toContain('flow.started {"flow":"withdrawal_status"');
  });

  it('reports a button that is not offered, and schema mistakes with their line', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'press.test.yaml'),
      'tests:\n  - name: presses a ghost\n    language: en\n    turns:\n      - press: Ghost\n        expect: {}\n',
    );
    writeFileSync(
      join(dir, 'broken.test.yaml'),
      'tests:\n  - name: bad\n    language: en\n    turns:\n      - user: hi\n        expect: { flows: greeting }\n',
    );
    const { tests, issues } = loadConversationTests(dir, dir);
    expect(issues.map((i) => `${i.file}:${i.line}:${i.rule}`)).toEqual(['broken.test.yaml:6:schema']);
    const result = await runConversationTest(tests[0]!, world!);
    expect(result.failure).toContain('there is no button "Ghost"');
  });

  it('croupier test exits 1 on a failure and prints the summary line', async () => {
    const root = tempDir();
    for (const folder of ['intents', 'flows']) {
      mkdirSync(join(root, folder), { recursive: true });
    }
    const out = capture();
    // an empty project has no content: the runner refuses and says why
    expect(await runContentTests({ rootDir: root }, out.stream)).toBe(1);
    expect(out.text()).toMatch(/the content has errors|0 passed/);
  });
});
