import { z } from 'zod';
import { textFileSchema } from '../dialogue/catalogue.js';
import { conversationTestFileSchema } from '../dialogue/conversation-test.js';
import { flowFileSchema } from '../dialogue/flow-schema.js';
import { intentFileSchema } from '../nlu/intent-file.js';
import { configSchema } from './schema.js';

/**
 * The JSON Schemas for every YAML format people edit, generated from the same zod schemas the
 * validator uses, so VS Code (yaml-language-server) autocompletes and underlines exactly what
 * `croupier validate` would reject. Committed under schemas/; a test keeps them in sync.
 */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'croupier.schema.json': withMeta(z.toJSONSchema(configSchema, { io: 'input' }), 'Croupier operator configuration (croupier.yaml)'),
    'flow.schema.json': withMeta(z.toJSONSchema(flowFileSchema, { io: 'input' }), 'Croupier flow (flows/<flow>.yaml)'),
    'intents.schema.json': withMeta(z.toJSONSchema(intentFileSchema, { io: 'input' }), 'Croupier intents (intents/<lang>/<topic>.yaml)'),
    'conversation-test.schema.json': withMeta(
      z.toJSONSchema(conversationTestFileSchema, { io: 'input' }),
      'Croupier conversation tests (flows/tests/*.test.yaml)',
    ),
    'texts.schema.json': withMeta(z.toJSONSchema(textFileSchema, { io: 'input' }), 'Croupier text catalogue (flows/texts/<lang>.yaml)'),
  };
}

function withMeta(schema: Record<string, unknown>, title: string): Record<string, unknown> {
  return { ...schema, title };
}
