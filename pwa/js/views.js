/**
 * The views of a logged-in user, imported by app.js when someone logs in or has a session: the
 * login screen needs none of them, so a first visit's critical path does not carry them. The
 * service worker precaches them like every module: offline, the import is served from its cache.
 */
export { renderCoordinations, showCoordination } from './coordination.js';
export { historyOutdated, mountHistory, renderHistory, showSavedCra } from './history.js';
export { showLieux } from './lieux-view.js';
export { showRappels } from './rappels.js';
export { showRessourcerie } from './ressourcerie.js';
export { hasUnsavedChanges, openForm } from './saisie.js';
export { refreshCommunes, showStats } from './stats.js';
