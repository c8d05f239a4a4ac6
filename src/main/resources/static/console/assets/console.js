// What every console page shares: calls to the release API under /console/api (with the session's CSRF
// token), building elements without ever parsing data as HTML, times in UTC, and the header.

/** The CSRF token the server keeps in the XSRF-TOKEN cookie; state-changing requests echo it. */
export function csrfToken() {
  const cookie = document.cookie.split('; ').find((c) => c.startsWith('XSRF-TOKEN='));
  return cookie ? decodeURIComponent(cookie.slice('XSRF-TOKEN='.length)) : '';
}

/** An API answer that was not 2xx: the RFC 7807 problem the API sent, as a sentence. */
export class Problem extends Error {
  constructor(status, body) {
    const detail = body && (body.detail || body.title);
    const fields = body && Array.isArray(body.errors)
      ? body.errors.map((e) => `${e.field || e.path}: ${e.message}`).join('; ')
      : '';
    super([detail || `The server answered ${status}`, fields].filter(Boolean).join(' — '));
    this.status = status;
    this.body = body;
  }
}

/** Calls the release API; a lost session goes back to the login page. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET') {
    headers['X-XSRF-TOKEN'] = csrfToken();
  }
  const response = await fetch(`/console/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 401) {
    location.assign(`/console/login`);
    throw new Problem(401, { detail: 'Your session ended; log in again.' });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Problem(response.status, json);
  }
  return json;
}

/** An element with attributes and children; strings become text nodes, never markup. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'class') {
      element.className = value;
    } else if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** An instant as a person reads it, in UTC (the evidence's zone): 2026-12-01 15:02:11. */
export function when(instant) {
  return instant ? new Date(instant).toISOString().replace('T', ' ').slice(0, 19) : '';
}

/** A duration in milliseconds as "1 h 2 min", "2 min 5 s", "340 ms". */
export function duration(millis) {
  if (millis === null || millis === undefined || Number.isNaN(millis)) {
    return '';
  }
  if (millis < 1000) {
    return `${Math.round(millis)} ms`;
  }
  const seconds = Math.round(millis / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

/** The statuses after which a release changes no more, except a released one rolled back later. */
export const ENDED = new Set(['released', 'rolled-back', 'failed', 'rejected', 'expired', 'cancelled']);

export function statusBadge(status) {
  return el('span', { class: `status status-${status}`, 'data-status': status }, status);
}

/** Fills the page header with the user and a logout button; answers who is looking. */
export async function header() {
  const me = await api('/me');
  const who = document.getElementById('who');
  who.replaceChildren(
    el('span', { class: 'user', title: me.groups.join(', ') }, me.user),
    el(
      'form',
      { method: 'post', action: '/console/logout', class: 'logout' },
      el('input', { type: 'hidden', name: '_csrf', value: csrfToken() }),
      el('button', { type: 'submit' }, 'Log out'),
    ),
  );
  return me;
}

/** Runs refresh now and then every period while the page is visible (and at once when it shows again). */
export function poll(refresh, period) {
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    if (document.visibilityState === 'visible') {
      timer = setTimeout(run, period());
    }
  };
  const run = async () => {
    try {
      await refresh();
    } finally {
      schedule();
    }
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      run();
    } else {
      clearTimeout(timer);
    }
  });
  return run();
}
