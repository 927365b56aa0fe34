// What is typed into a form marked data-keep-as survives a session that ended: the values are kept in
// this tab's sessionStorage (never sent to the server until the person sends the form), and when the
// form was sent but the server asked for a sign-in first, they are put back once the person is back on
// the page. Nothing is put back over a page the server filled itself (errors shown, a kept submission),
// and a draft whose form the server took is forgotten (the page after it names it: data-drafts-done).

const PREFIX = 'opsflow-draft:';

function read(key) {
  try {
    return JSON.parse(window.sessionStorage.getItem(PREFIX + key) || 'null');
  } catch (error) {
    return null;
  }
}

function write(key, draft) {
  try {
    window.sessionStorage.setItem(PREFIX + key, JSON.stringify(draft));
  } catch (error) {
    // storage full or disabled: the form still works, only nothing is kept
  }
}

function forget(key) {
  try {
    window.sessionStorage.removeItem(PREFIX + key);
  } catch (error) {
    // nothing to do
  }
}

function entries(form) {
  return [...new FormData(form).entries()]
    .filter(([name, value]) => name !== 'csrf_token' && typeof value === 'string');
}

function controlsNamed(form, name) {
  return [...form.elements].filter((element) => element.name === name);
}

function ensureRow(form, name) {
  // A row the person added (activities-4-name): add rows to its table until the name exists.
  for (const fieldset of form.querySelectorAll('[data-array]')) {
    const prefix = `${fieldset.id.replace(/^f-/, '')}-`;
    const add = fieldset.querySelector('[data-add]');
    if (!name.startsWith(prefix) || !add) {
      continue;
    }
    for (let tries = 0; tries < 50 && !controlsNamed(form, name).length && !add.disabled; tries += 1) {
      add.click();
    }
  }
}

function restore(form, values) {
  const byName = new Map();
  values.forEach(([name, value]) => byName.set(name, [...(byName.get(name) || []), value]));
  byName.forEach((chosen, name) => {
    if (!controlsNamed(form, name).length) {
      ensureRow(form, name);
    }
    controlsNamed(form, name).forEach((element) => {
      if (element.type === 'checkbox' || element.type === 'radio') {
        element.checked = chosen.includes(element.value);
      } else if (element.tagName === 'SELECT' || element.tagName === 'TEXTAREA' || element.tagName === 'INPUT') {
        element.value = chosen[0];
      }
    });
  });
  form.querySelectorAll('input[type="checkbox"]').forEach((box) => {
    if (!byName.has(box.name)) {
      box.checked = false;
    }
  });
}

function notice(form, text) {
  if (!text) {
    return;
  }
  const note = document.createElement('p');
  note.className = 'note restored';
  note.id = 'restored-draft';
  note.setAttribute('role', 'status');
  note.textContent = text;
  form.prepend(note);
}

export function setupKeptDrafts(root, texts) {
  const done = root.body ? (root.body.dataset.draftsDone || '').split(' ').filter(Boolean) : [];
  done.forEach(forget);
  root.querySelectorAll('form[data-keep-as]').forEach((form) => {
    const key = form.dataset.keepAs;
    const draft = read(key);
    const serverFilled = root.getElementById('form-errors') || root.getElementById('not-taken');
    if (draft && draft.sent && !serverFilled) {
      restore(form, draft.values);
      notice(form, texts.restored);
      write(key, { values: draft.values, sent: false });
    }
    const save = (sent) => write(key, { values: entries(form), sent });
    form.addEventListener('input', () => save(false));
    form.addEventListener('change', () => save(false));
    form.addEventListener('submit', (event) => {
      if (!event.defaultPrevented) {
        save(true);
      }
    });
  });
}
