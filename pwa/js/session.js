/** Who is logged in on this device, known even offline. */
import { call, clearTokens, readTokens } from './api.js';

const USER_KEY = 'coop-cra.user';

/** The last user seen, or null. */
export function storedUser() {
  return JSON.parse(localStorage.getItem(USER_KEY) || 'null');
}

/** @param {object} user */
export function rememberUser(user) {
  localStorage.setItem(USER_KEY, JSON.stringify(user));
}

/**
 * The current user: from the server when reachable, from storage when offline.
 * Throws the ApiError when the session is over (refresh token expired or revoked).
 */
export async function currentUser() {
  if (!readTokens().access_token) return null;
  try {
    const user = await call('/auth/me');
    rememberUser(user);
    return user;
  } catch (error) {
    if (error instanceof TypeError) return storedUser(); // offline: keep working
    throw error;
  }
}

/** Forget the session (tokens and user); the outbox is untouched. */
export function forgetSession() {
  clearTokens();
  localStorage.removeItem(USER_KEY);
}
