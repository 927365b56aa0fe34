// Form behaviour on every page (progressive enhancement: without it every form still works, and the
// server refuses what it must):
//   - a live character count beside each field with a limit, and no sending past it (counter.js);
//   - submit buttons disabled while a submission is in flight (busy.js);
//   - what is typed into a task form kept in this tab's sessionStorage and put back after a sign-in that
//     the end of the session forced (keep.js);
//   - a message the previous page's script left for this one, shown with the flashes (notice.js).
// The texts come from the page (#opsflow-texts), in the reader's language.

import { setupCounters } from './forms/counter.js';
import { setupBusyButtons } from './forms/busy.js';
import { setupKeptDrafts } from './forms/keep.js';
import { showNotice } from './forms/notice.js';
import { pageTexts } from './forms/texts.js';

function start() {
  const texts = pageTexts(document);
  showNotice(document);
  setupKeptDrafts(document, texts); // first: restored text is then counted
  setupCounters(document, texts);
  setupBusyButtons(document, texts);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
