/** Counters with big − and + buttons, usable one-handed. */
import { esc } from './dom.js';

/**
 * Markup of a counter bound to a form field name (e.g. "age.plus60ans").
 * @param {string} name @param {string} label @param {{min?: number, max?: number, step?: number, hint?: string}} [options]
 */
export function counter(name, label, { min = 0, max = 100, step = 1, hint = '' } = {}) {
  const id = `c-${name.replace(/[^a-z0-9]/gi, '-')}`;
  return `<div class="app-counter" data-counter="${esc(name)}">
    <label class="fr-label" for="${id}">${esc(label)}${hint ? `<span class="fr-hint-text">${esc(hint)}</span>` : ''}</label>
    <div class="app-counter__controls">
      <button type="button" class="fr-btn fr-btn--secondary" data-step="${-step}" aria-label="Retirer : ${esc(label)}">−</button>
      <input class="fr-input" id="${id}" name="${esc(name)}" type="number" inputmode="numeric" min="${min}" max="${max}" step="${step}" value="${min}">
      <button type="button" class="fr-btn fr-btn--secondary" data-step="${step}" aria-label="Ajouter : ${esc(label)}">+</button>
    </div>
  </div>`;
}

/** Wire every counter's buttons inside root; `onChange` runs after each step. */
export function bindCounters(root, onChange) {
  root.addEventListener('click', (event) => {
    const button = event.target.closest('[data-step]');
    if (!button) return;
    const input = button.parentElement.querySelector('input');
    const value = Number(input.value || 0) + Number(button.dataset.step);
    input.value = String(Math.min(Number(input.max), Math.max(Number(input.min), value)));
    input.dispatchEvent(new Event('input', { bubbles: true }));
    onChange();
  });
}

/** Read a counter's value as an integer. @param {HTMLFormElement} form @param {string} name */
export function readCounter(form, name) {
  const input = form.elements.namedItem(name);
  return input && input.value !== '' ? Math.trunc(Number(input.value)) : 0;
}

/** @param {HTMLFormElement} form @param {string} name @param {number} value */
export function writeCounter(form, name, value) {
  const input = form.elements.namedItem(name);
  if (input) input.value = String(value ?? 0);
}
