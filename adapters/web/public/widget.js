/*
 * Croupier web chat widget. Embed with:
 *   <script src="https://support.example.com/widget.js"></script>
 *   <script>Croupier.init({ locale: 'es', playerToken: '…' })</script>
 *
 * Options (all optional): server (origin of the Croupier server; default: where this script came
 * from), locale (default: the browser's language), playerToken (signed by the casino site for a
 * logged-in player), title (panel heading), open (start with the panel open).
 * Theme: override the CSS custom properties of `.crp-root` (e.g. `--crp-accent`) in the page's CSS.
 *
 * Plain browser JavaScript, no build step and no external resources. Talks the JSON protocol of
 * /web/socket (see README): hello → ready(history); message → typing/message/ack.
 * Messages typed while offline wait in an outbox in localStorage and are sent after reconnecting;
 * the server deduplicates them by clientMessageId, so resending is always safe.
 * Message text is only ever set with textContent; links become <a> only for http(s) URLs.
 */
(function () {
  'use strict';
  if (window.Croupier) return;

  const KEY_CONVERSATION = 'croupier.conversationId';
  const KEY_OUTBOX = 'croupier.outbox';
  const OUTBOX_MAX = 50;
  const TEXT_MAX = 4000; // the server refuses longer texts
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  // A socket that says nothing for this long while a message waits for its ack is presumed dead
  // (a laptop that slept, a proxy that dropped the connection): reconnect and resend.
  const ACK_WATCHDOG_MS = 45000;
  const LOCALE_PATTERN = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/;

  const scriptOrigin = (() => {
    const script = document.currentScript;
    try {
      return script && script.src ? new URL(script.src).origin : window.location.origin;
    } catch {
      return window.location.origin;
    }
  })();

  const CSS = `
:where(.crp-root){--crp-accent:#0f6b3a;--crp-accent-text:#fff;--crp-accent-soft:#e6f2ec;--crp-bg:#f5f7f6;--crp-surface:#fff;--crp-text:#1b1f1d;--crp-muted:#5f6b66;--crp-border:#dce3df;--crp-radius:16px;--crp-font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.crp-root,.crp-root *{box-sizing:border-box}
.crp-root :where(div,span,p,h2,section,button,time,form,textarea,a,svg){margin:0;padding:0;border:0;background:none;box-shadow:none;font:inherit;color:inherit;letter-spacing:normal;text-transform:none;text-decoration:none;text-align:inherit;text-shadow:none;float:none;min-width:0;max-width:none;width:auto;height:auto}
.crp-root [hidden]{display:none!important}
.crp-sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.crp-launcher{position:fixed;right:20px;bottom:20px;width:60px;height:60px;margin:0;padding:0;border-radius:50%;border:0;background:var(--crp-accent);color:var(--crp-accent-text);display:flex;align-items:center;justify-content:center;cursor:pointer;box-shadow:0 8px 24px rgba(0,0,0,.28);z-index:2147483000;transition:transform .15s ease}
.crp-launcher:hover{transform:scale(1.05)}
.crp-launcher:focus-visible,.crp-close:focus-visible,.crp-send:focus-visible,.crp-reply:focus-visible,.crp-log:focus-visible,.crp-msg a:focus-visible{outline:3px solid #ffb703;outline-offset:2px}
.crp-launcher svg{width:28px;height:28px}
.crp-launcher .crp-icon-close{display:none}
.crp-root[data-open] .crp-launcher .crp-icon-chat{display:none}
.crp-root[data-open] .crp-launcher .crp-icon-close{display:block}
.crp-badge{position:absolute;top:2px;right:2px;width:14px;height:14px;border-radius:50%;background:#e63946;border:2px solid #fff}
.crp-panel{position:fixed;right:20px;bottom:92px;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 112px);display:flex;flex-direction:column;background:var(--crp-surface);border-radius:var(--crp-radius);box-shadow:0 16px 48px rgba(0,0,0,.32);overflow:hidden;font:14px/1.45 var(--crp-font);color:var(--crp-text);text-align:left;z-index:2147483000}
.crp-header{display:flex;align-items:center;gap:12px;padding:14px 12px 14px 16px;background:var(--crp-accent);color:var(--crp-accent-text)}
.crp-avatar{flex:none;width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.18);display:flex;align-items:center;justify-content:center}
.crp-avatar svg{width:20px;height:20px}
.crp-heading{flex:1;min-width:0;display:flex;flex-direction:column}
.crp-title{font-weight:650;font-size:15px;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.crp-status{font-size:12px;opacity:.92;display:flex;align-items:center;gap:6px}
.crp-status::before{content:"";width:8px;height:8px;border-radius:50%;background:#ffd166}
.crp-status[data-state=online]::before{background:#6ee7a0}
.crp-close{flex:none;width:36px;height:36px;margin:0;padding:0;border:0;border-radius:50%;background:transparent;color:inherit;cursor:pointer;display:flex;align-items:center;justify-content:center}
.crp-close:hover{background:rgba(255,255,255,.15)}
.crp-close svg{width:20px;height:20px}
.crp-notice{padding:8px 14px;font-size:13px;background:#fff4d6;color:#5a4500;border-bottom:1px solid #f1e2b3}
.crp-log{flex:1;overflow-y:auto;padding:16px 14px 8px;display:flex;flex-direction:column;gap:6px;background:var(--crp-bg);overscroll-behavior:contain}
.crp-empty{margin:auto;color:var(--crp-muted);text-align:center;font-size:13px;padding:0 24px}
.crp-msg{max-width:84%;padding:9px 12px 6px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;box-shadow:0 1px 1px rgba(0,0,0,.04)}
.crp-msg a{color:inherit;text-decoration:underline}
.crp-msg[data-author=player]{align-self:flex-end;background:var(--crp-accent);color:var(--crp-accent-text);border-bottom-right-radius:5px}
.crp-msg[data-author=bot],.crp-msg[data-author=agent]{align-self:flex-start;background:var(--crp-surface);border:1px solid var(--crp-border);border-bottom-left-radius:5px}
.crp-msg[data-author=agent]{border-left:3px solid var(--crp-accent)}
.crp-msg[data-author=system]{align-self:center;background:transparent;box-shadow:none;color:var(--crp-muted);font-size:12px;text-align:center;max-width:92%}
.crp-msg[data-status=pending]{opacity:.7}
.crp-msg[data-status=failed]{background:#fde8e8;color:#8a1c1c}
.crp-who{display:block;font-size:11px;font-weight:600;color:var(--crp-accent);margin-bottom:2px}
.crp-meta{display:block;font-size:11px;opacity:.7;margin-top:3px;text-align:right}
.crp-replies{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 2px;align-self:flex-start;max-width:92%}
.crp-reply{margin:0;border:1px solid var(--crp-accent);background:var(--crp-surface);color:var(--crp-accent);border-radius:18px;padding:6px 14px;cursor:pointer;font:inherit;font-weight:550;line-height:1.3;text-align:left}
.crp-reply:hover{background:var(--crp-accent-soft)}
.crp-typing{display:flex;align-items:center;gap:4px;padding:4px 18px 8px;background:var(--crp-bg)}
.crp-dot{width:7px;height:7px;border-radius:50%;background:#9aa6a0;animation:crp-blink 1.2s infinite ease-in-out}
.crp-dot:nth-child(2){animation-delay:.2s}
.crp-dot:nth-child(3){animation-delay:.4s}
@keyframes crp-blink{0%,80%,100%{opacity:.3;transform:translateY(0)}40%{opacity:1;transform:translateY(-3px)}}
@media (prefers-reduced-motion:reduce){.crp-dot{animation:none}.crp-launcher{transition:none}}
.crp-form{display:flex;align-items:flex-end;gap:8px;margin:0;padding:10px 12px;border-top:1px solid var(--crp-border);background:var(--crp-surface)}
.crp-input{flex:1;min-height:40px;max-height:120px;margin:0;resize:none;border:1px solid var(--crp-border);border-radius:20px;padding:9px 14px;font:inherit;color:inherit;background:var(--crp-surface);outline:none}
.crp-input:focus{border-color:var(--crp-accent);box-shadow:0 0 0 3px var(--crp-accent-soft)}
.crp-send{flex:none;width:40px;height:40px;margin:0;padding:0;border:0;border-radius:50%;background:var(--crp-accent);color:var(--crp-accent-text);cursor:pointer;display:flex;align-items:center;justify-content:center}
.crp-send svg{width:18px;height:18px}
@media (max-width:480px){
.crp-panel{inset:0;width:100%;max-width:100%;height:100%;max-height:100%;border-radius:0}
.crp-root[data-open] .crp-launcher{display:none}
.crp-input{font-size:16px}
}`;

  const TEXTS = {
    en: {
      title: 'Support',
      placeholder: 'Type your message…',
      send: 'Send',
      open: 'Open support chat',
      openUnread: 'Open support chat (new message)',
      close: 'Close chat',
      typing: 'Support is typing…',
      online: 'online',
      offline: 'reconnecting…',
      connecting: 'connecting…',
      sending: 'sending…',
      failed: 'not sent',
      agent: 'Support agent',
      suggestions: 'Suggested replies',
      empty: 'Hi! Ask us anything about your account, payments or bonuses.',
      error: 'Something went wrong. Please try again.',
      token: 'We could not confirm your login, but you can still chat with us.',
      rejected: 'That message could not be sent. Please shorten or rephrase it.',
    },
    es: {
      title: 'Soporte',
      placeholder: 'Escribe tu mensaje…',
      send: 'Enviar',
      open: 'Abrir chat de soporte',
      openUnread: 'Abrir chat de soporte (mensaje nuevo)',
      close: 'Cerrar chat',
      typing: 'Soporte está escribiendo…',
      online: 'en línea',
      offline: 'reconectando…',
      connecting: 'conectando…',
      sending: 'enviando…',
      failed: 'no enviado',
      agent: 'Agente de soporte',
      suggestions: 'Respuestas sugeridas',
      empty: '¡Hola! Pregúntanos lo que quieras sobre tu cuenta, pagos o bonos.',
      error: 'Algo ha fallado. Inténtalo de nuevo.',
      token: 'No pudimos confirmar tu sesión, pero puedes seguir chateando con nosotros.',
      rejected: 'No se pudo enviar ese mensaje. Acórtalo o escríbelo de otra forma.',
    },
    de: {
      title: 'Support',
      placeholder: 'Nachricht schreiben…',
      send: 'Senden',
      open: 'Support-Chat öffnen',
      openUnread: 'Support-Chat öffnen (neue Nachricht)',
      close: 'Chat schließen',
      typing: 'Support schreibt…',
      online: 'online',
      offline: 'verbinde neu…',
      connecting: 'verbinde…',
      sending: 'wird gesendet…',
      failed: 'nicht gesendet',
      agent: 'Support-Mitarbeiter',
      suggestions: 'Antwortvorschläge',
      empty: 'Hallo! Frag uns alles zu Konto, Zahlungen oder Boni.',
      error: 'Etwas ist schiefgelaufen. Bitte versuch es noch einmal.',
      token: 'Wir konnten deine Anmeldung nicht bestätigen, aber du kannst trotzdem mit uns chatten.',
      rejected: 'Diese Nachricht konnte nicht gesendet werden. Bitte kürzer oder anders formulieren.',
    },
    ru: {
      title: 'Поддержка',
      placeholder: 'Напишите сообщение…',
      send: 'Отправить',
      open: 'Открыть чат поддержки',
      openUnread: 'Открыть чат поддержки (новое сообщение)',
      close: 'Закрыть чат',
      typing: 'Поддержка печатает…',
      online: 'в сети',
      offline: 'переподключение…',
      connecting: 'подключение…',
      sending: 'отправка…',
      failed: 'не отправлено',
      agent: 'Оператор поддержки',
      suggestions: 'Варианты ответа',
      empty: 'Здравствуйте! Спросите нас о счёте, платежах или бонусах.',
      error: 'Что-то пошло не так. Попробуйте ещё раз.',
      token: 'Не удалось подтвердить ваш вход, но вы можете продолжить чат.',
      rejected: 'Не удалось отправить это сообщение. Сократите или перефразируйте его.',
    },
    ro: {
      title: 'Suport',
      placeholder: 'Scrie mesajul…',
      send: 'Trimite',
      open: 'Deschide chatul de suport',
      openUnread: 'Deschide chatul de suport (mesaj nou)',
      close: 'Închide chatul',
      typing: 'Suportul scrie…',
      online: 'online',
      offline: 'se reconectează…',
      connecting: 'se conectează…',
      sending: 'se trimite…',
      failed: 'netrimis',
      agent: 'Agent de suport',
      suggestions: 'Răspunsuri sugerate',
      empty: 'Bună! Întreabă-ne orice despre cont, plăți sau bonusuri.',
      error: 'Ceva nu a mers. Încearcă din nou.',
      token: 'Nu am putut confirma autentificarea, dar poți continua conversația.',
      rejected: 'Mesajul nu a putut fi trimis. Scurtează-l sau reformulează-l.',
    },
  };

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.5 3.6A.5.5 0 0 1 4 21.2V18a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z',
    close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z',
    send: 'M3.4 20.4 21 12 3.4 3.6 3.4 10.1 15 12 3.4 13.9z',
    agent: 'M12 3a8 8 0 0 0-8 8v6a2 2 0 0 0 2 2h2v-7H6v-1a6 6 0 0 1 12 0v1h-2v7h2a2 2 0 0 0 2-2v-6a8 8 0 0 0-8-8z',
  };

  function icon(name, className) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    if (className) svg.setAttribute('class', className);
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function el(tag, className, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (attrs) for (const key of Object.keys(attrs)) node.setAttribute(key, attrs[key]);
    return node;
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    return 'm-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return null; // storage disabled (private mode, sandboxed iframe)
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch {
      /* storage full or disabled: keep going in memory */
    }
  }

  function readOutbox() {
    try {
      const parsed = JSON.parse(storageGet(KEY_OUTBOX) || '[]');
      return Array.isArray(parsed) ? parsed.filter((item) => item && typeof item.clientMessageId === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Appends `text` to `parent` as text nodes, with http(s) URLs as links that open in a new tab. */
  function appendText(parent, text) {
    const pattern = /\bhttps?:\/\/[^\s<>"']+/gi;
    let last = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      let url = match[0].replace(/[.,;:!?)\]]+$/, ''); // trailing punctuation belongs to the sentence
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      let safe = null;
      try {
        const parsed = new URL(url);
        if (parsed.protocol === 'http:' || parsed.protocol === 'https:') safe = parsed.href;
      } catch {
        safe = null;
      }
      if (safe) {
        const a = el('a', null, { href: safe, target: '_blank', rel: 'noopener noreferrer nofollow' });
        a.textContent = url;
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(url));
      }
      last = match.index + url.length;
      pattern.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  let instance = null;

  /**
   * Starts the widget once per page (later calls return the same handle). Called before <body>
   * exists (a script in <head>), it waits for the DOM.
   */
  function init(options) {
    if (instance) return instance;
    let api = null;
    instance = {
      open: () => api && api.open(),
      close: () => api && api.close(),
      toggle: () => api && api.toggle(),
    };
    const start = () => {
      api = build(options || {});
    };
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start, { once: true });
    return instance;
  }

  function build(options) {
    const server = String(options.server || scriptOrigin).replace(/\/+$/, '');
    const rawLocale = options.locale ?? navigator.language ?? '';
    // The server refuses a malformed hint (and with it the whole hello), so only send a valid one.
    const locale = typeof rawLocale === 'string' && rawLocale.length <= 35 && LOCALE_PATTERN.test(rawLocale) ? rawLocale : undefined;
    const lang = (locale || 'en').slice(0, 2).toLowerCase();
    const t = TEXTS[lang] || TEXTS.en;
    const titleText = typeof options.title === 'string' && options.title ? options.title : t.title;
    const playerToken = typeof options.playerToken === 'string' && options.playerToken ? options.playerToken : undefined;
    const panelId = 'crp-panel-' + Math.random().toString(36).slice(2, 8);

    // ---- DOM ----
    const style = el('style', null, { 'data-croupier': 'style' });
    style.textContent = CSS;
    document.head.appendChild(style);

    const root = el('div', 'crp-root', { 'data-croupier': 'root' });
    if (locale) root.setAttribute('lang', locale);

    const panel = el('section', 'crp-panel', { id: panelId, role: 'dialog', 'aria-label': titleText, 'data-croupier': 'panel' });
    panel.hidden = true;

    const header = el('div', 'crp-header');
    const avatar = el('div', 'crp-avatar');
    avatar.appendChild(icon('agent'));
    const heading = el('div', 'crp-heading');
    const title = el('h2', 'crp-title');
    title.textContent = titleText;
    const status = el('span', 'crp-status', { 'data-croupier': 'status', 'data-state': 'connecting', role: 'status' });
    status.textContent = t.connecting;
    heading.appendChild(title);
    heading.appendChild(status);
    const closeButton = el('button', 'crp-close', { type: 'button', 'aria-label': t.close, 'data-croupier': 'close' });
    closeButton.appendChild(icon('close'));
    header.appendChild(avatar);
    header.appendChild(heading);
    header.appendChild(closeButton);

    const notice = el('div', 'crp-notice', { role: 'alert', 'data-croupier': 'notice' });
    notice.hidden = true;

    const log = el('div', 'crp-log', {
      role: 'log',
      'aria-live': 'polite',
      'aria-label': titleText,
      tabindex: '0',
      'data-croupier': 'log',
    });
    const empty = el('p', 'crp-empty');
    empty.textContent = t.empty;
    log.appendChild(empty);

    const typing = el('div', 'crp-typing', { 'data-croupier': 'typing' });
    for (let i = 0; i < 3; i += 1) typing.appendChild(el('span', 'crp-dot', { 'aria-hidden': 'true' }));
    const typingLabel = el('span', 'crp-sr');
    typingLabel.textContent = t.typing;
    typing.appendChild(typingLabel);
    typing.hidden = true;

    const form = el('form', 'crp-form', { 'data-croupier': 'form' });
    const input = el('textarea', 'crp-input', {
      rows: '1',
      placeholder: t.placeholder,
      'aria-label': t.placeholder,
      maxlength: String(TEXT_MAX),
      enterkeyhint: 'send',
      'data-croupier': 'input',
    });
    const sendButton = el('button', 'crp-send', { type: 'submit', 'aria-label': t.send, title: t.send, 'data-croupier': 'send' });
    sendButton.appendChild(icon('send'));
    form.appendChild(input);
    form.appendChild(sendButton);

    panel.appendChild(header);
    panel.appendChild(notice);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);

    const launcher = el('button', 'crp-launcher', {
      type: 'button',
      'aria-label': t.open,
      'aria-expanded': 'false',
      'aria-controls': panelId,
      'data-croupier': 'launcher',
    });
    launcher.appendChild(icon('chat', 'crp-icon-chat'));
    launcher.appendChild(icon('close', 'crp-icon-close'));
    const badge = el('span', 'crp-badge', { 'aria-hidden': 'true', 'data-croupier': 'unread' });
    badge.hidden = true;
    launcher.appendChild(badge);

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    // ---- state ----
    let socket = null;
    let ready = false;
    let attempts = 0;
    let reconnectTimer = null;
    let watchdog = null;
    let noticeTimer = null;
    let helloRetried = false;
    let rendered = new Map(); // message id or clientMessageId -> element
    let replies = null; // the quick-reply group under the last bot message
    let outbox = readOutbox();

    const isOpen = () => !panel.hidden;

    function saveOutbox() {
      storageSet(KEY_OUTBOX, JSON.stringify(outbox));
    }

    function setConnection(state) {
      status.setAttribute('data-state', state);
      status.textContent = t[state];
    }

    function showNotice(text) {
      notice.textContent = text;
      notice.hidden = false;
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => {
        notice.hidden = true;
      }, 8000);
    }

    function setUnread(on) {
      badge.hidden = !on;
      launcher.setAttribute('aria-label', on ? t.openUnread : t.open);
    }

    function scrollToEnd() {
      log.scrollTop = log.scrollHeight;
    }

    function setOpen(open, focus) {
      panel.hidden = !open;
      launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) root.setAttribute('data-open', '');
      else root.removeAttribute('data-open');
      if (open) {
        setUnread(false);
        scrollToEnd();
        if (focus) input.focus();
      } else if (focus) {
        launcher.focus();
      }
    }

    // ---- rendering ----
    function setMessageStatus(node, state) {
      node.setAttribute('data-status', state);
      const meta = node.querySelector('.crp-meta');
      if (!meta) return;
      if (state === 'pending') meta.textContent = t.sending;
      else if (state === 'failed') meta.textContent = t.failed;
      else meta.textContent = meta.getAttribute('data-time') || '';
    }

    function formatTime(iso) {
      try {
        return new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
      } catch {
        return '';
      }
    }

    function clearQuickReplies() {
      if (replies && replies.parentNode) replies.parentNode.removeChild(replies);
      replies = null;
    }

    function showQuickReplies(buttons) {
      clearQuickReplies();
      if (!Array.isArray(buttons) || buttons.length === 0) return;
      replies = el('div', 'crp-replies', { role: 'group', 'aria-label': t.suggestions, 'data-croupier': 'quick-replies' });
      for (const button of buttons) {
        if (!button || typeof button.label !== 'string' || typeof button.payload !== 'string') continue;
        const b = el('button', 'crp-reply', { type: 'button', 'data-croupier': 'quick-reply', 'data-payload': button.payload });
        b.textContent = button.label;
        b.addEventListener('click', () => {
          const hadFocus = replies && replies.contains(document.activeElement);
          clearQuickReplies();
          submit(button.label, button.payload);
          if (hadFocus) input.focus(); // the button is gone; don't drop focus on <body>
        });
        replies.appendChild(b);
      }
      log.appendChild(replies);
      scrollToEnd();
    }

    /** Renders a message once (by id or clientMessageId); a second sighting only updates its status. */
    function render(message, state) {
      const existing = rendered.get(message.id) || (message.clientMessageId && rendered.get(message.clientMessageId));
      if (existing) {
        setMessageStatus(existing, state);
        if (message.id) rendered.set(message.id, existing);
        return existing;
      }
      if (empty.parentNode) empty.parentNode.removeChild(empty);
      const author = ['player', 'bot', 'agent', 'system'].indexOf(message.author) >= 0 ? message.author : 'system';
      const node = el('div', 'crp-msg', { 'data-croupier': 'message', 'data-author': author });
      if (message.id) node.setAttribute('data-id', message.id);
      if (author === 'agent') {
        const who = el('span', 'crp-who');
        who.textContent = t.agent;
        node.appendChild(who);
      }
      const text = el('span', null, { 'data-croupier': 'text' });
      appendText(text, typeof message.text === 'string' ? message.text : '');
      node.appendChild(text);
      if (author !== 'system') {
        const meta = el('time', 'crp-meta', { 'data-time': message.at ? formatTime(message.at) : '' });
        if (message.at) meta.setAttribute('datetime', message.at);
        node.appendChild(meta);
      }
      setMessageStatus(node, state);
      // new messages go above the quick replies, which always stay last
      if (replies && replies.parentNode === log) log.insertBefore(node, replies);
      else log.appendChild(node);
      if (message.id) rendered.set(message.id, node);
      if (message.clientMessageId) rendered.set(message.clientMessageId, node);
      scrollToEnd();
      return node;
    }

    function renderPending(item) {
      render(
        { id: item.clientMessageId, clientMessageId: item.clientMessageId, author: 'player', text: item.text, at: item.at },
        'pending',
      );
    }

    function renderHistory(history) {
      clearQuickReplies();
      while (log.firstChild) log.removeChild(log.firstChild);
      rendered = new Map();
      const stored = new Set();
      for (const message of history) {
        if (!message || typeof message.id !== 'string') continue;
        render(message, 'sent');
        if (message.clientMessageId) stored.add(message.clientMessageId);
      }
      // An item the server already stored (its ack was lost with the connection) is done.
      const before = outbox.length;
      outbox = outbox.filter((item) => !stored.has(item.clientMessageId));
      if (outbox.length !== before) saveOutbox();
      for (const item of outbox) renderPending(item);
      if (log.childNodes.length === 0) log.appendChild(empty);
      const last = history[history.length - 1];
      if (outbox.length === 0 && last && last.author === 'bot') showQuickReplies(last.buttons);
      scrollToEnd();
    }

    // ---- sending ----
    function armWatchdog() {
      clearTimeout(watchdog);
      watchdog = null;
      if (!ready || outbox.length === 0) return;
      const current = socket;
      watchdog = setTimeout(() => drop(current), ACK_WATCHDOG_MS);
    }

    function transmit(item) {
      if (!socket || !ready || socket.readyState !== WebSocket.OPEN) return;
      const frame = { type: 'message', clientMessageId: item.clientMessageId };
      if (item.text) frame.text = item.text;
      if (item.payload) frame.payload = item.payload;
      socket.send(JSON.stringify(frame));
      if (!watchdog) armWatchdog();
    }

    function submit(text, payload) {
      text = String(text || '')
        .trim()
        .slice(0, TEXT_MAX);
      if (!text && !payload) return;
      const item = { clientMessageId: newId(), text, at: new Date().toISOString() };
      if (payload) item.payload = payload;
      outbox.push(item);
      if (outbox.length > OUTBOX_MAX) outbox = outbox.slice(-OUTBOX_MAX);
      saveOutbox();
      clearQuickReplies();
      renderPending(item);
      transmit(item);
    }

    function settle(clientMessageId, id, state) {
      const before = outbox.length;
      outbox = outbox.filter((item) => item.clientMessageId !== clientMessageId);
      if (outbox.length !== before) saveOutbox();
      const node = rendered.get(clientMessageId);
      if (node) {
        setMessageStatus(node, state);
        if (id) rendered.set(id, node);
      }
    }

    // ---- receiving ----
    function onFrame(frame, ws) {
      if (!frame || typeof frame.type !== 'string') return;
      if (ready) armWatchdog(); // the socket is alive
      switch (frame.type) {
        case 'ready': {
          ready = true;
          attempts = 0;
          helloRetried = false;
          setConnection('online');
          if (typeof frame.conversationId === 'string') storageSet(KEY_CONVERSATION, frame.conversationId);
          renderHistory(Array.isArray(frame.history) ? frame.history : []);
          for (const item of outbox) transmit(item); // in the order they were typed
          armWatchdog();
          break;
        }
        case 'ack':
          if (typeof frame.clientMessageId === 'string') settle(frame.clientMessageId, frame.id, 'sent');
          armWatchdog();
          break;
        case 'message': {
          const message = frame.message;
          if (!message || typeof message.id !== 'string') return;
          typing.hidden = true;
          if (message.direction === 'in') {
            // the player's own message, echoed from another tab (or this one): it is stored
            if (message.clientMessageId) settle(message.clientMessageId, message.id, 'sent');
            clearQuickReplies();
            render(message, 'sent');
          } else {
            const isNew = !rendered.has(message.id);
            render(message, 'sent');
            if (message.author === 'bot') showQuickReplies(message.buttons);
            else if (message.author === 'agent') clearQuickReplies();
            if (isNew && !isOpen()) setUnread(true);
          }
          break;
        }
        case 'typing':
          typing.hidden = !frame.on;
          if (frame.on) scrollToEnd();
          break;
        case 'error': {
          const code = typeof frame.code === 'string' ? frame.code : '';
          if (!ready && code === 'CROUPIER_INPUT_INVALID' && !helloRetried) {
            // The hello was refused (e.g. a stored conversation id that is no longer valid): start afresh.
            helloRetried = true;
            const hello = { type: 'hello' };
            if (locale) hello.locale = locale;
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(hello));
            return;
          }
          if (typeof frame.clientMessageId === 'string' && /^CROUPIER_INPUT_/.test(code)) {
            // a message the server will never take: stop resending it
            settle(frame.clientMessageId, undefined, 'failed');
            showNotice(t.rejected);
            return;
          }
          showNotice(code === 'CROUPIER_TOKEN_INVALID' ? t.token : t.error);
          break;
        }
        default:
          break; // newer servers may send frames this widget does not know
      }
    }

    // ---- connection ----
    function connect() {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      ready = false;
      setConnection(attempts === 0 ? 'connecting' : 'offline');
      const url = server.replace(/^http/i, 'ws') + '/web/socket';
      let ws;
      try {
        ws = new WebSocket(url);
      } catch {
        scheduleReconnect();
        return;
      }
      socket = ws;
      ws.onopen = () => {
        if (socket !== ws) return;
        const hello = { type: 'hello' };
        const stored = storageGet(KEY_CONVERSATION);
        if (stored && stored.length >= 10 && stored.length <= 200) hello.conversationId = stored;
        if (locale) hello.locale = locale;
        if (playerToken && playerToken.length <= 2000) hello.playerToken = playerToken;
        ws.send(JSON.stringify(hello));
      };
      ws.onmessage = (event) => {
        if (socket !== ws || typeof event.data !== 'string') return;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        onFrame(frame, ws);
      };
      ws.onclose = () => drop(ws);
    }

    /** Forgets a socket that closed (or went silent) and schedules the next attempt. */
    function drop(ws) {
      if (!ws || socket !== ws) return;
      socket = null;
      ready = false;
      clearTimeout(watchdog);
      watchdog = null;
      typing.hidden = true;
      try {
        ws.close(4000, 'no answer');
      } catch {
        /* already closed */
      }
      scheduleReconnect();
    }

    function scheduleReconnect() {
      setConnection('offline');
      attempts += 1;
      // ≈0.5 s doubling to 10 s, with "equal jitter" so a restarted server is not hit by every tab at once
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempts - 1));
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
    }

    function reconnectNow() {
      if (socket || !reconnectTimer) return;
      connect();
    }

    // ---- events ----
    launcher.addEventListener('click', () => setOpen(!isOpen(), true));
    closeButton.addEventListener('click', () => setOpen(false, true));
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        setOpen(false, true);
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit(input.value);
      input.value = '';
      autosize();
      input.focus();
    });
    input.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter is a new line; never while an IME is composing a word
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    });
    function autosize() {
      input.style.height = 'auto';
      input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
    }
    input.addEventListener('input', autosize);
    window.addEventListener('online', reconnectNow);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') reconnectNow();
    });

    for (const item of outbox) renderPending(item); // visible at once, before the server answers
    connect();
    if (options.open) setOpen(true, false); // opened by the page: don't steal focus on load

    return {
      open: () => setOpen(true, true),
      close: () => setOpen(false, true),
      toggle: () => setOpen(!isOpen(), true),
    };
  }

  window.Croupier = { init };
})();
