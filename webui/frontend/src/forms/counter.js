// A live count beside every field with data-maxlength (the maxlength attribute is not used: browsers
// silently cut a longer paste to it). Past the limit the field is marked invalid and the form is not sent;
// the server refuses such text too, so nothing is ever cut short.

import { fill } from './texts.js';

// Characters as the server counts them (code points, so an emoji is one).
export function length(text) {
  return Array.from(text.replace(/\r\n/g, '\n')).length;
}

function counterFor(field, texts) {
  const max = parseInt(field.dataset.maxlength, 10);
  const note = document.createElement('p');
  note.className = 'counter';
  note.id = `${field.id || field.name}-count`;
  note.setAttribute('aria-live', 'polite');
  field.insertAdjacentElement('afterend', note);
  const described = (field.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  field.setAttribute('aria-describedby', [...described, note.id].join(' '));
  const number = new Intl.NumberFormat(texts.locale);
  const wasInvalid = field.getAttribute('aria-invalid') === 'true';

  function update() {
    const used = length(field.value);
    const over = used - max;
    const shown = field.tagName === 'TEXTAREA' || used >= max * 0.9;
    note.hidden = !shown && over <= 0;
    note.textContent = fill(texts.count, { count: number.format(used), max: number.format(max) })
      + (over > 0 ? ` · ${fill(texts.over, { over: number.format(over) })}` : '');
    note.classList.toggle('over', over > 0);
    field.dataset.over = over > 0 ? 'true' : 'false';
    if (over > 0) {
      field.setAttribute('aria-invalid', 'true');
    } else if (!wasInvalid) {
      field.removeAttribute('aria-invalid');
    }
  }

  field.addEventListener('input', update);
  update();
  return update;
}

export function setupCounters(root, texts) {
  root.querySelectorAll('[data-maxlength]').forEach((field) => counterFor(field, texts));
  // Fields added later (rows of a table) get a count when they are first typed into.
  root.addEventListener('focusin', (event) => {
    const field = event.target;
    if (field instanceof HTMLElement && field.dataset.maxlength && !field.dataset.counted) {
      field.dataset.counted = 'true';
      if (!document.getElementById(`${field.id || field.name}-count`)) {
        counterFor(field, texts);
      }
    }
  });
  root.querySelectorAll('[data-maxlength]').forEach((field) => { field.dataset.counted = 'true'; });
  root.addEventListener('submit', (event) => {
    const form = event.target;
    const tooLong = [...form.querySelectorAll('[data-maxlength]')]
      .filter((field) => length(field.value) > parseInt(field.dataset.maxlength, 10));
    if (!tooLong.length) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation(); // not "busy": nothing was sent
    let summary = form.querySelector('.too-long-summary');
    if (!summary) {
      summary = document.createElement('p');
      summary.className = 'flash flash-error too-long-summary';
      summary.setAttribute('role', 'alert');
      form.prepend(summary);
    }
    summary.textContent = texts.tooLong;
    tooLong[0].focus();
  }, true);
}
