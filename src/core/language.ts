/**
 * Maps a locale hint such as `es-ES`, `de_AT` or `ru` to one of the supported languages, or
 * `undefined` when the hint names none of them.
 * @example languageFromLocale('es-MX', ['en', 'es']) // 'es'
 */
export function languageFromLocale(locale: string | undefined, supported: readonly string[]): string | undefined {
  if (!locale) return undefined;
  const base = locale.trim().toLowerCase().split(/[-_]/)[0];
  return base && supported.includes(base) ? base : undefined;
}
