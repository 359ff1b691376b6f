/** Tiny DOM helpers: escaping user text, finding hooks, dd/mm/yyyy dates and Paris times, work after a paint. */

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML (user text is never trusted). @param {any} value */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** @param {string} hook @param {ParentNode} [root] */
export function $(hook, root = document) {
  return root.querySelector(hook);
}

/** @param {string} hook @param {ParentNode} [root] */
export function $$(hook, root = document) {
  return [...root.querySelectorAll(hook)];
}

/** 2026-11-02 → 02/11/2026 @param {string} iso */
export function frDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

/** A server instant as read in Paris, date and time: ['07/12/2026', '05:57']. @param {string} iso */
export function parisDateTime(iso) {
  const at = new Date(iso);
  const paris = (options) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', ...options }).format(at);
  return [paris({ day: '2-digit', month: '2-digit', year: 'numeric' }), paris({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })];
}

/** Today as YYYY-MM-DD in the device's time zone. */
export function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

/** 90 → "1h30" @param {number} minutes */
export function hoursMinutes(minutes) {
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}`;
}

/** "1 compte rendu" / "2 comptes rendus" */
export function plural(n, one, many) {
  return `${n} ${n > 1 ? many : one}`;
}

/**
 * Run `work` once the next frame is painted (what the user waits to see goes first). A page in
 * the background paints no frame: the timeout runs it then.
 * @param {() => void} work
 */
export function afterPaint(work) {
  let done = false;
  const run = () => { if (!done) { done = true; work(); } };
  // At background priority, behind the tasks already queued (the frame's own work).
  const soon = globalThis.scheduler && scheduler.postTask
    ? () => scheduler.postTask(run, { priority: 'background' }) : () => setTimeout(run, 0);
  requestAnimationFrame(soon);
  setTimeout(run, 500);
}

/**
 * The texts in a value of server field errors (lists, nested objects), never « [object Object] ».
 * @param {any} value @returns {string[]}
 */
export function textsOf(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  return value && typeof value === 'object' ? Object.values(value).flatMap(textsOf) : [];
}
