// While a form is being sent, its submit buttons are disabled (and say so), so that a second click sends
// nothing twice; the server's own guards against doubles stay. A page restored from the back/forward
// cache gets its buttons back.

export function setupBusyButtons(root, texts) {
  root.addEventListener('submit', (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) {
      return;
    }
    if (form.dataset.sending === 'true') {
      event.preventDefault(); // already on its way
      return;
    }
    form.dataset.sending = 'true';
    form.setAttribute('aria-busy', 'true');
    // After the browser has read the form (a disabled button would drop out of what is sent).
    setTimeout(() => {
      form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]').forEach((button) => {
        button.disabled = true;
        if (button.classList.contains('primary') && texts.sending) {
          button.dataset.label = button.textContent;
          button.textContent = texts.sending;
        }
      });
    }, 0);
  });
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) {
      return;
    }
    root.querySelectorAll('form[data-sending="true"]').forEach((form) => {
      delete form.dataset.sending;
      form.removeAttribute('aria-busy');
      form.querySelectorAll('button:disabled, input[type="submit"]:disabled').forEach((button) => {
        button.disabled = false;
        if (button.dataset.label) {
          button.textContent = button.dataset.label;
        }
      });
    });
  });
}
