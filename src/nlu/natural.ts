// natural prints dotenv banners on import unless told to be quiet; this module is imported first.
process.env['DOTENV_CONFIG_QUIET'] ??= 'true';
const natural = await import('natural');
export default natural.default ?? natural;
