/**
 * The few sentences the pipeline itself says, looked up in the content's text catalogues so that a
 * new language is a content change. Keys live under `system.` in `flows/texts/<lang>.yaml`.
 */
export type SystemTextKey = 'apology' | 'rate_limited' | 'unsupported_message';

export type SystemTexts = (language: string, key: SystemTextKey) => string;
