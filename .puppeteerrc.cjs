// whatsapp-web.js depends on puppeteer; Croupier drives the system Chromium (channels.whatsapp-web
// .executablePath), so puppeteer must never download a browser at install time (no network in CI).
module.exports = { skipDownload: true };
