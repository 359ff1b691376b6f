/* A classic script, run while the page is parsed (before its first paint): a visitor with no
 * session sees the login form at once, instead of after the app's modules have loaded (which
 * then route as usual). Keep it tiny: it holds the parser for its own download. */
try {
  const tokens = JSON.parse(localStorage.getItem('coop-cra.tokens') || '{}');
  if (!tokens.access_token) {
    const login = document.querySelector('[data-view="login"]');
    // Never the browser's own submission (the password in the URL) before the app listens.
    login.querySelector('form').addEventListener('submit', (event) => event.preventDefault());
    login.hidden = false;
  }
} catch {
  // No storage (private mode, policy): the app's modules decide, as before.
}
