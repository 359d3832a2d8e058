import type { Parsed, Understanding } from '../../src/dialogue/ports.js';

/**
 * A keyword NLU for engine tests: `rules` maps a regular expression to an intent. Real NLU quality
 * is tested in test/nlu; here only the dialogue's reaction to intents matters.
 */
export function keywordNlu(rules: Record<string, string>, languages: readonly string[] = ['en', 'es']): Understanding {
  return {
    languages,
    parse(text, options): Parsed {
      const language = /\b(hola|dónde|donde|retirada|quiero|contraseña)\b/i.test(text) ? 'es' : (options.remembered ?? 'en');
      for (const [pattern, intent] of Object.entries(rules)) {
        if (new RegExp(pattern, 'i').test(text)) {
          return {
            language,
            languageConfidence: 0.9,
            intent,
            confidence: 0.95,
            ranking: [{ intent, confidence: 0.95 }],
            ambiguous: false,
            entities: emails(text),
          };
        }
      }
      return { language, languageConfidence: 0.9, intent: null, confidence: 0.1, ranking: [], ambiguous: false, entities: emails(text) };
    },
  };
}

function emails(text: string) {
  const match = /[\w.+-]+@[\w-]+\.[\w.]+/.exec(text);
  return match ? [{ entity: 'email', value: match[0], text: match[0] }] : [];
}
