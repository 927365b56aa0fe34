/**
 * Unsaved work kept in this browser (localStorage) until the server has it: one entry per process key,
 * with the draft version it was based on, so that a reload restores it and a newer draft is noticed.
 */

const PREFIX = 'opsflow.modeler.unsaved.';

export function loadUnsaved(key) {
  try {
    const raw = window.localStorage.getItem(PREFIX + key);
    return raw ? JSON.parse(raw) : null;
  } catch (error) {
    return null;
  }
}

export function keepUnsaved(key, entry) {
  try {
    window.localStorage.setItem(PREFIX + key, JSON.stringify({ ...entry, keptAt: new Date().toISOString() }));
    return true;
  } catch (error) {
    return false; // storage full or off: the warning before leaving still protects the work
  }
}

export function forgetUnsaved(key) {
  try {
    window.localStorage.removeItem(PREFIX + key);
  } catch (error) {
    // nothing kept, nothing to forget
  }
}
