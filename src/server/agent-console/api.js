/*
 * The agent API client of the console: JSON over fetch under /api/agent/, and the live socket
 * (/api/agent/socket) with heartbeat and reconnection with back-off. See the README's agent API
 * section for the endpoints and frames.
 */

const BASE = '/api/agent';
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const PING_EVERY_MS = 25000;
// A socket that does not answer a ping within this long is presumed dead (a laptop that slept, a
// proxy that dropped the connection without closing it): drop it and reconnect.
const PONG_WITHIN_MS = 10000;
/** The server closes the socket with this code when the token is missing, invalid or expired. */
export const CLOSE_UNAUTHORIZED = 4401;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * `token()` gives the current bearer token; `onUnauthorized()` runs when the server answers 401 to
 * anything but the login itself (expired or revoked session).
 */
export function createApi({ token, onUnauthorized }) {
  async function request(method, path, body) {
    const headers = { accept: 'application/json' };
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(BASE + path, init);
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check the connection and try again.');
    }
    if (response.status === 204) return null;
    let json = null;
    try {
      json = await response.json();
    } catch {
      json = null;
    }
    if (!response.ok) {
      const error = (json && typeof json.error === 'object' && json.error) || {};
      const message =
        typeof error.message === 'string' && error.message ? error.message : `The server refused the request (HTTP ${response.status}).`;
      const failure = new ApiError(response.status, typeof error.code === 'string' ? error.code : `HTTP_${response.status}`, message);
      if (response.status === 401 && path !== '/login') onUnauthorized(failure);
      throw failure;
    }
    return json;
  }
  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
  };
}

/**
 * Keeps one live socket open while the agent is signed in. `onFrame(frame)` gets every server
 * frame; `onState(state)` gets 'connecting' | 'online' | 'reconnecting'; `onUnauthorized()` runs
 * when the server refuses the token; `onDrop(beforeHello)` after every unexpected close.
 * Returns `{ close(), reconnectNow() }`.
 */
export function connectLive({ token, onFrame, onState, onUnauthorized, onDrop }) {
  let socket = null;
  let attempts = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let stopped = false;

  function clearTimers() {
    clearTimeout(pingTimer);
    clearTimeout(pongTimer);
    pingTimer = null;
    pongTimer = null;
  }

  function schedulePing(ws) {
    clearTimers();
    pingTimer = setTimeout(() => {
      if (socket !== ws || ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ type: 'ping' }));
      pongTimer = setTimeout(() => drop(ws, false), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  function open() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (stopped) return;
    onState(attempts === 0 ? 'connecting' : 'reconnecting');
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${BASE}/socket`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      schedule();
      return;
    }
    socket = ws;
    let greeted = false;
    ws.onopen = () => {
      if (socket !== ws) return;
      // The token goes in the first frame, not the URL, so it stays out of access logs.
      ws.send(JSON.stringify({ type: 'auth', token: token() }));
    };
    ws.onmessage = (event) => {
      if (socket !== ws || typeof event.data !== 'string') return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      schedulePing(ws); // any frame proves the socket is alive
      if (frame.type === 'hello') {
        greeted = true;
        attempts = 0;
        onState('online');
      }
      if (frame.type !== 'pong') onFrame(frame);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      clearTimers();
      if (stopped) return;
      if (event.code === CLOSE_UNAUTHORIZED) {
        stopped = true;
        onUnauthorized();
        return;
      }
      onDrop(!greeted);
      schedule();
    };
  }

  function drop(ws) {
    if (socket !== ws) return;
    try {
      ws.close(4000, 'no answer');
    } catch {
      /* already closed */
    }
    // onclose may come late for a dead connection: forget the socket now and start over.
    socket = null;
    clearTimers();
    if (stopped) return;
    onDrop(false);
    schedule();
  }

  function schedule() {
    onState('reconnecting');
    attempts += 1;
    // ≈0.5 s doubling to 10 s, with "equal jitter" so a restarted server is not hit by every console at once
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempts - 1));
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(open, delay / 2 + Math.random() * (delay / 2));
  }

  const reconnectNow = () => {
    if (!stopped && !socket && reconnectTimer) open();
  };
  window.addEventListener('online', reconnectNow);
  const onVisible = () => {
    if (document.visibilityState === 'visible') reconnectNow();
  };
  document.addEventListener('visibilitychange', onVisible);

  open();

  return {
    send(frame) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    },
    reconnectNow,
    close() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimers();
      window.removeEventListener('online', reconnectNow);
      document.removeEventListener('visibilitychange', onVisible);
      const ws = socket;
      socket = null;
      if (ws) {
        try {
          ws.close(1000, 'signed out');
        } catch {
          /* already closed */
        }
      }
    },
  };
}
