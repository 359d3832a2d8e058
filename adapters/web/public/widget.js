/*
 * Croupier web chat widget. Embed with:
 *   <script src="https://support.example.com/widget.js"></script>
 *   <script>Croupier.init({ locale: 'es', playerToken: '…' })</script>
 *
 * Plain browser JavaScript, no build step and no external resources. Talks the JSON protocol of
 * /web/socket (see README): hello → ready(history); message → typing/message/ack.
 * Messages typed while offline wait in an outbox in localStorage and are sent after reconnecting;
 * the server deduplicates them by clientMessageId, so resending is always safe.
 */
(function () {
  'use strict';
  if (window.Croupier) return;

  var KEY_CONVERSATION = 'croupier.conversationId';
  var KEY_OUTBOX = 'croupier.outbox';
  var scriptOrigin = (function () {
    var script = document.currentScript;
    try {
      return script && script.src ? new URL(script.src).origin : window.location.origin;
    } catch (e) {
      return window.location.origin;
    }
  })();

  var CSS =
    '.crp-launcher{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;background:#0f6b3a;color:#fff;display:flex;align-items:center;justify-content:center;cursor:pointer;box-shadow:0 6px 18px rgba(0,0,0,.3);z-index:2147483000}' +
    '.crp-launcher:focus-visible{outline:3px solid #ffd166;outline-offset:2px}' +
    '.crp-panel{position:fixed;right:20px;bottom:92px;width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 120px);display:none;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 12px 32px rgba(0,0,0,.35);overflow:hidden;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;z-index:2147483000}' +
    '.crp-panel.crp-open{display:flex}' +
    '.crp-header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#0f6b3a;color:#fff}' +
    '.crp-title{flex:1;font-weight:600}' +
    '.crp-status{font-size:12px;opacity:.9}' +
    '.crp-status[data-state=online]::before{content:"● ";color:#7CFC9A}' +
    '.crp-status[data-state=offline]::before,.crp-status[data-state=connecting]::before{content:"● ";color:#ffd166}' +
    '.crp-close{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}' +
    '.crp-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f4f6f5}' +
    '.crp-msg{max-width:82%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}' +
    '.crp-msg[data-author=player]{align-self:flex-end;background:#0f6b3a;color:#fff;border-bottom-right-radius:4px}' +
    '.crp-msg[data-author=bot],.crp-msg[data-author=agent],.crp-msg[data-author=system]{align-self:flex-start;background:#fff;border:1px solid #dfe3e1;border-bottom-left-radius:4px}' +
    '.crp-msg[data-author=agent]{border-color:#0f6b3a}' +
    '.crp-msg[data-status=pending]{opacity:.6}' +
    '.crp-meta{display:block;font-size:11px;opacity:.7;margin-top:2px}' +
    '.crp-replies{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 8px;background:#f4f6f5}' +
    '.crp-reply{border:1px solid #0f6b3a;background:#fff;color:#0f6b3a;border-radius:16px;padding:5px 12px;cursor:pointer;font:inherit}' +
    '.crp-reply:hover,.crp-reply:focus-visible{background:#0f6b3a;color:#fff}' +
    '.crp-typing{display:none;padding:0 14px 6px;font-size:12px;color:#555;background:#f4f6f5}' +
    '.crp-typing.crp-on{display:block}' +
    '.crp-notice{padding:6px 12px;font-size:12px;background:#fff4d6;color:#5a4500;display:none}' +
    '.crp-notice.crp-on{display:block}' +
    '.crp-form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e6e4;background:#fff}' +
    '.crp-input{flex:1;resize:none;border:1px solid #c9cfcc;border-radius:10px;padding:8px 10px;font:inherit;max-height:96px}' +
    '.crp-send{border:0;border-radius:10px;background:#0f6b3a;color:#fff;padding:0 14px;font:inherit;font-weight:600;cursor:pointer}' +
    '@media (max-width:480px){.crp-panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}';

  var TEXTS = {
    en: {
      title: 'Support',
      placeholder: 'Type your message…',
      send: 'Send',
      open: 'Open support chat',
      close: 'Close chat',
      typing: 'typing…',
      online: 'online',
      offline: 'reconnecting…',
      connecting: 'connecting…',
      error: 'Something went wrong. Please try again.',
    },
    es: {
      title: 'Soporte',
      placeholder: 'Escribe tu mensaje…',
      send: 'Enviar',
      open: 'Abrir chat de soporte',
      close: 'Cerrar chat',
      typing: 'escribiendo…',
      online: 'en línea',
      offline: 'reconectando…',
      connecting: 'conectando…',
      error: 'Algo ha fallado. Inténtalo de nuevo.',
    },
    de: {
      title: 'Support',
      placeholder: 'Nachricht schreiben…',
      send: 'Senden',
      open: 'Support-Chat öffnen',
      close: 'Chat schließen',
      typing: 'schreibt…',
      online: 'online',
      offline: 'verbinde neu…',
      connecting: 'verbinde…',
      error: 'Etwas ist schiefgelaufen. Bitte versuch es noch einmal.',
    },
    ru: {
      title: 'Поддержка',
      placeholder: 'Напишите сообщение…',
      send: 'Отправить',
      open: 'Открыть чат поддержки',
      close: 'Закрыть чат',
      typing: 'печатает…',
      online: 'в сети',
      offline: 'переподключение…',
      connecting: 'подключение…',
      error: 'Что-то пошло не так. Попробуйте ещё раз.',
    },
    ro: {
      title: 'Suport',
      placeholder: 'Scrie mesajul…',
      send: 'Trimite',
      open: 'Deschide chatul de suport',
      close: 'Închide chatul',
      typing: 'scrie…',
      online: 'online',
      offline: 'se reconectează…',
      connecting: 'se conectează…',
      error: 'Ceva nu a mers. Încearcă din nou.',
    },
  };

  function el(tag, className, attrs) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (attrs) for (var key in attrs) node.setAttribute(key, attrs[key]);
    return node;
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    return 'm-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  }

  function readOutbox() {
    try {
      var parsed = JSON.parse(localStorage.getItem(KEY_OUTBOX) || '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch (e) {
      return [];
    }
  }

  function writeOutbox(items) {
    try {
      localStorage.setItem(KEY_OUTBOX, JSON.stringify(items));
    } catch (e) {
      /* storage full or disabled: the outbox lives in memory only */
    }
  }

  function init(options) {
    options = options || {};
    var server = (options.server || scriptOrigin).replace(/\/$/, '');
    var locale = options.locale || navigator.language || 'en';
    var lang = TEXTS[locale.slice(0, 2).toLowerCase()] ? locale.slice(0, 2).toLowerCase() : 'en';
    var t = TEXTS[lang];

    var style = el('style');
    style.textContent = CSS;
    document.head.appendChild(style);

    var launcher = el('button', 'crp-launcher', {
      type: 'button',
      'aria-label': t.open,
      'aria-expanded': 'false',
      'data-croupier': 'launcher',
    });
    // an inline SVG chat bubble: renders the same everywhere, no emoji font or image file needed
    var svgNs = 'http://www.w3.org/2000/svg';
    var icon = document.createElementNS(svgNs, 'svg');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('width', '28');
    icon.setAttribute('height', '28');
    icon.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(svgNs, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute(
      'd',
      'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.5 3.6A.5.5 0 0 1 4 21.2V18a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z',
    );
    icon.appendChild(path);
    launcher.appendChild(icon);
    var panel = el('section', 'crp-panel', { role: 'dialog', 'aria-label': options.title || t.title, 'data-croupier': 'panel' });
    var header = el('div', 'crp-header');
    var title = el('span', 'crp-title');
    title.textContent = options.title || t.title;
    var status = el('span', 'crp-status', { 'data-croupier': 'status', 'data-state': 'connecting', 'aria-live': 'polite' });
    status.textContent = t.connecting;
    var close = el('button', 'crp-close', { type: 'button', 'aria-label': t.close });
    close.textContent = '×';
    header.appendChild(title);
    header.appendChild(status);
    header.appendChild(close);
    var notice = el('div', 'crp-notice', { role: 'status' });
    var log = el('div', 'crp-log', { role: 'log', 'aria-live': 'polite', 'data-croupier': 'log' });
    var typing = el('div', 'crp-typing', { 'data-croupier': 'typing', 'aria-hidden': 'true' });
    typing.textContent = t.typing;
    var replies = el('div', 'crp-replies', { 'data-croupier': 'quick-replies' });
    var form = el('form', 'crp-form');
    var input = el('textarea', 'crp-input', {
      rows: '1',
      placeholder: t.placeholder,
      'aria-label': t.placeholder,
      'data-croupier': 'input',
      maxlength: '4000',
    });
    var send = el('button', 'crp-send', { type: 'submit', 'data-croupier': 'send' });
    send.textContent = t.send;
    form.appendChild(input);
    form.appendChild(send);
    panel.appendChild(header);
    panel.appendChild(notice);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(replies);
    panel.appendChild(form);
    document.body.appendChild(panel);
    document.body.appendChild(launcher);

    var socket = null;
    var ready = false;
    var attempts = 0;
    var reconnectTimer = null;
    var rendered = {}; // id or clientMessageId -> element
    var outbox = readOutbox();

    function setStatus(state) {
      status.setAttribute('data-state', state);
      status.textContent = t[state];
    }

    function showNotice(text) {
      notice.textContent = text;
      notice.className = 'crp-notice crp-on';
      setTimeout(function () {
        notice.className = 'crp-notice';
      }, 6000);
    }

    function setOpen(open) {
      panel.className = open ? 'crp-panel crp-open' : 'crp-panel';
      launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) {
        input.focus();
        log.scrollTop = log.scrollHeight;
      } else {
        launcher.focus();
      }
    }

    function clearQuickReplies() {
      while (replies.firstChild) replies.removeChild(replies.firstChild);
    }

    function showQuickReplies(buttons) {
      clearQuickReplies();
      (buttons || []).forEach(function (button) {
        var b = el('button', 'crp-reply', { type: 'button', 'data-croupier': 'quick-reply', 'data-payload': button.payload });
        b.textContent = button.label;
        b.addEventListener('click', function () {
          clearQuickReplies();
          submit(button.label, button.payload);
        });
        replies.appendChild(b);
      });
    }

    function render(message, status) {
      var existing = rendered[message.id] || (message.clientMessageId && rendered[message.clientMessageId]);
      if (existing) {
        existing.setAttribute('data-status', status || 'sent');
        if (message.id) rendered[message.id] = existing;
        return existing;
      }
      var node = el('div', 'crp-msg', { 'data-croupier': 'message', 'data-author': message.author, 'data-status': status || 'sent' });
      var text = el('span', null, { 'data-croupier': 'text' });
      text.textContent = message.text || '';
      node.appendChild(text);
      if (message.at) {
        var meta = el('time', 'crp-meta', { datetime: message.at });
        try {
          meta.textContent = new Date(message.at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
        } catch (e) {
          meta.textContent = '';
        }
        node.appendChild(meta);
      }
      log.appendChild(node);
      if (message.id) rendered[message.id] = node;
      if (message.clientMessageId) rendered[message.clientMessageId] = node;
      log.scrollTop = log.scrollHeight;
      return node;
    }

    function renderHistory(history) {
      while (log.firstChild) log.removeChild(log.firstChild);
      rendered = {};
      var lastOut = null;
      history.forEach(function (message) {
        render(message, 'sent');
        lastOut = message.direction === 'out' ? message : null;
      });
      outbox.forEach(function (item) {
        render({ id: item.clientMessageId, clientMessageId: item.clientMessageId, author: 'player', text: item.text }, 'pending');
      });
      showQuickReplies(lastOut && outbox.length === 0 ? lastOut.buttons : []);
    }

    function transmit(item) {
      if (!socket || !ready || socket.readyState !== 1) return;
      var frame = { type: 'message', clientMessageId: item.clientMessageId };
      if (item.text) frame.text = item.text;
      if (item.payload) frame.payload = item.payload;
      socket.send(JSON.stringify(frame));
    }

    function submit(text, payload) {
      text = (text || '').trim();
      if (!text && !payload) return;
      var item = { clientMessageId: newId(), text: text.slice(0, 4000) };
      if (payload) item.payload = payload;
      outbox.push(item);
      writeOutbox(outbox);
      render(
        {
          id: item.clientMessageId,
          clientMessageId: item.clientMessageId,
          author: 'player',
          text: item.text,
          at: new Date().toISOString(),
        },
        'pending',
      );
      clearQuickReplies();
      transmit(item);
    }

    function onFrame(frame) {
      if (frame.type === 'ready') {
        ready = true;
        attempts = 0;
        setStatus('online');
        try {
          localStorage.setItem(KEY_CONVERSATION, frame.conversationId);
        } catch (e) {
          /* private mode */
        }
        renderHistory(frame.history || []);
        outbox.forEach(transmit);
      } else if (frame.type === 'ack') {
        outbox = outbox.filter(function (item) {
          return item.clientMessageId !== frame.clientMessageId;
        });
        writeOutbox(outbox);
        var node = rendered[frame.clientMessageId];
        if (node) node.setAttribute('data-status', 'sent');
      } else if (frame.type === 'message') {
        var message = frame.message;
        typing.className = 'crp-typing';
        render(message, 'sent');
        if (message.direction === 'out') showQuickReplies(message.buttons);
      } else if (frame.type === 'typing') {
        typing.className = frame.on ? 'crp-typing crp-on' : 'crp-typing';
      } else if (frame.type === 'error') {
        showNotice(t.error);
      }
    }

    function connect() {
      clearTimeout(reconnectTimer);
      setStatus(attempts === 0 ? 'connecting' : 'offline');
      ready = false;
      var url = server.replace(/^http/, 'ws') + '/web/socket';
      try {
        socket = new WebSocket(url);
      } catch (e) {
        scheduleReconnect();
        return;
      }
      socket.onopen = function () {
        var hello = { type: 'hello', locale: locale };
        var stored = null;
        try {
          stored = localStorage.getItem(KEY_CONVERSATION);
        } catch (e) {
          stored = null;
        }
        if (stored) hello.conversationId = stored;
        if (options.playerToken) hello.playerToken = options.playerToken;
        socket.send(JSON.stringify(hello));
      };
      socket.onmessage = function (event) {
        var frame;
        try {
          frame = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        onFrame(frame);
      };
      socket.onclose = function () {
        ready = false;
        typing.className = 'crp-typing';
        scheduleReconnect();
      };
      socket.onerror = function () {
        /* onclose follows */
      };
    }

    function scheduleReconnect() {
      setStatus('offline');
      attempts += 1;
      var delay = Math.min(10000, 500 * Math.pow(2, attempts - 1));
      delay = delay / 2 + Math.random() * (delay / 2);
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(connect, delay);
    }

    launcher.addEventListener('click', function () {
      setOpen(panel.className.indexOf('crp-open') === -1);
    });
    close.addEventListener('click', function () {
      setOpen(false);
    });
    panel.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') setOpen(false);
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      submit(input.value);
      input.value = '';
      input.focus();
    });
    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        submit(input.value);
        input.value = '';
      }
    });
    window.addEventListener('online', function () {
      if (!ready) {
        attempts = 0;
        connect();
      }
    });

    connect();
    if (options.open) setOpen(true);
    return {
      open: function () {
        setOpen(true);
      },
      close: function () {
        setOpen(false);
      },
    };
  }

  window.Croupier = { init: init };
})();
