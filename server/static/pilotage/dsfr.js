/* The DSFR's script (its core and the components of assets.DSFR_SCRIPTS), run when a page needs
 * it rather than by every page: its evaluation was most of a pilotage page's blocking time on a
 * slow phone. A page with a table runs it at once (it draws the tables' frame); the others at
 * the first press of the header's « Menu » button (shown at phone width only), which is passed
 * on to the DSFR once it runs; the DSFR handles the button from then on. */

const script = document.querySelector('script[data-dsfr-script]');
const menuButton = document.querySelector('[data-dsfr-menu]');
const TAKEN_MS = 10_000;
let loading = null;

/** Run the DSFR's script once (again after a failed download). @returns {Promise<void>} */
function load() {
  loading ??= import(script.dataset.dsfrScript).catch((error) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** Resolves true on the first frame where the DSFR has taken charge of the menu's button,
 * false if it has not within TAKEN_MS. @returns {Promise<boolean>} */
function taken() {
  const deadline = performance.now() + TAKEN_MS;
  return new Promise((resolve) => {
    const check = () => {
      if (menuButton.dataset.frJsModalButton === 'true') resolve(true);
      else if (performance.now() > deadline) resolve(false);
      else requestAnimationFrame(check);
    };
    check();
  });
}

async function openMenu() {
  if (menuButton.dataset.frJsModalButton === 'true') return; // the DSFR opens it itself
  try {
    await load();
  } catch {
    menuButton.addEventListener('click', openMenu, { once: true }); // offline: the next press
    return;
  }
  if (!(await taken())) return;
  // On closing, the DSFR gives the focus back to the last element focused since it runs.
  menuButton.blur();
  menuButton.focus();
  menuButton.click(); // the press again, now handled by the DSFR
}

menuButton.addEventListener('click', openMenu, { once: true });
// .fr-table: what the DSFR's table script looks for. Should the download fail, the menu's
// first press tries again.
if (document.querySelector('.fr-table')) load().catch(() => {});
