/** Calls to the coop-cra JSON API, with the tokens of the session. */

const TOKENS_KEY = 'coop-cra.tokens'; // also read by boot.js

/** @returns {{access_token?: string, refresh_token?: string}} */
export function readTokens() {
  return JSON.parse(localStorage.getItem(TOKENS_KEY) || '{}');
}

/** @param {{access_token?: string, refresh_token?: string}} tokens */
export function saveTokens(tokens) {
  localStorage.setItem(TOKENS_KEY, JSON.stringify({ ...readTokens(), ...tokens }));
}

export function clearTokens() {
  localStorage.removeItem(TOKENS_KEY);
}

/**
 * An API error carrying the server's French message, field errors and, for a 503 of a
 * maintenance, the seconds of its Retry-After (null when absent or not a number of seconds).
 */
export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super((body && body.message) || 'Erreur de communication avec le serveur.');
    this.status = status;
    this.errors = (body && body.errors) || {};
    const seconds = String(retryAfter ?? '').trim();
    this.retryAfter = /^\d+$/.test(seconds) && Number(seconds) > 0 ? Number(seconds) : null;
  }
}

/** The file name of a download: RFC 6266's UTF-8 filename* first. */
function attachmentName(response) {
  const header = response.headers.get('Content-Disposition') || '';
  const utf8 = header.match(/filename\*=UTF-8''([^;]+)/);
  if (utf8) return decodeURIComponent(utf8[1]);
  const plain = header.match(/filename="([^"]+)"/);
  return plain ? plain[1] : 'export';
}

/** How long a request may take before it is given up (ms): a hung one must not hold the outbox. */
export const TIMEOUT = 20000;

/** A request given up after TIMEOUT: like a network error, it acknowledges nothing. */
export class TimeoutError extends Error {
  constructor() {
    super('Le serveur ne répond pas : nouvel essai automatique.');
    this.name = 'TimeoutError';
  }
}

// Downloads (PDFs, exports) get longer: their body may be large on a slow network.
async function send(path, { method = 'GET', body, token, as = 'json', timeout = as === 'json' ? TIMEOUT : 6 * TIMEOUT } = {}) {
  const headers = { Accept: 'application/json' };
  const form = body instanceof FormData; // a file upload: the browser sets its boundary
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    const response = await fetch(`/api${path}`, {
      method, headers, body: body === undefined || form ? body : JSON.stringify(body), signal: controller.signal,
    });
    if (response.ok && as === 'blob') return await response.blob();
    if (response.ok && as === 'file') return { blob: await response.blob(), filename: attachmentName(response) };
    const payload = await response.json().catch((error) => { if (controller.signal.aborted) throw error; return null; });
    if (!response.ok) throw new ApiError(response.status, payload, response.headers.get('Retry-After'));
    return payload;
  } catch (error) {
    if (controller.signal.aborted) throw new TimeoutError();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Call the API as the logged-in user; refresh the access token once when it expired.
 * @param {string} path @param {object} [options]
 */
export async function call(path, options = {}) {
  try {
    return await send(path, { ...options, token: readTokens().access_token });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !readTokens().refresh_token) throw error;
    const { access_token } = await send('/auth/refresh', { method: 'POST', token: readTokens().refresh_token });
    saveTokens({ access_token });
    return send(path, { ...options, token: access_token });
  }
}

/** Call the API without a session (login, invitation). */
export function callAnonymous(path, options = {}) {
  return send(path, options);
}
