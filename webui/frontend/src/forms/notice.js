// A message a page's script leaves for the next page, shown there like the server's own flashes: e.g. the
// editor's "Deployed market_plan version 2." after it deployed through the API and went to the versions.
// Kept in this tab's sessionStorage until the next page shows it (once).

const KEY = 'opsflow-notice';

export function leaveNotice(text, tone = 'success') {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify({ text, tone }));
  } catch (error) {
    // storage off: the next page simply says nothing
  }
}

export function showNotice(root) {
  let notice = null;
  try {
    notice = JSON.parse(window.sessionStorage.getItem(KEY) || 'null');
    window.sessionStorage.removeItem(KEY);
  } catch (error) {
    return;
  }
  const main = root.getElementById('main');
  if (!notice || !notice.text || !main) {
    return;
  }
  let flashes = main.querySelector(':scope > .flashes');
  if (!flashes) {
    flashes = root.createElement('div');
    flashes.className = 'flashes';
    flashes.setAttribute('role', 'status');
    main.prepend(flashes);
  }
  const line = root.createElement('p');
  line.className = `flash flash-${notice.tone === 'info' ? 'info' : 'success'}`;
  line.textContent = notice.text;
  flashes.append(line);
}
