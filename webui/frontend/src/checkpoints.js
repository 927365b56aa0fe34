// The checkpoints page: "Verify now" reads /audit/checkpoints/verify as it streams (one JSON line per 500
// events checked, then the verdict) and shows the progress. Without JavaScript the link opens the lines as text.

function show(text, node) {
  node.textContent = text;
}

async function verify(link) {
  const box = document.getElementById('verify-progress');
  const bar = document.getElementById('verify-bar');
  const count = document.getElementById('verify-count');
  const verdict = document.getElementById('verify-verdict');
  const problems = document.getElementById('verify-problems');
  box.hidden = false;
  link.setAttribute('aria-disabled', 'true');
  verdict.textContent = '';
  verdict.className = '';
  problems.replaceChildren();
  try {
    const response = await fetch(link.href, { headers: { Accept: 'application/x-ndjson' } });
    if (!response.ok) {
      throw new Error(`${response.status} ${response.statusText}`);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines.filter(Boolean)) {
        const message = JSON.parse(line);
        if (message.done) {
          bar.value = bar.max;
          if (message.events !== undefined) {
            show(link.dataset.checked.replace('{checked}', message.events).replace('{total}', message.events), count);
          }
          verdict.className = message.ok ? 'flash flash-success' : 'flash flash-error';
          show(message.text, verdict);
          for (const problem of message.problems) {
            const item = document.createElement('li');
            item.textContent = problem;
            problems.append(item);
          }
        } else {
          bar.max = Math.max(message.total, 1);
          bar.value = Math.min(message.checked, bar.max);
          show(link.dataset.checked.replace('{checked}', message.checked).replace('{total}', message.total), count);
        }
      }
    }
  } catch (error) {
    verdict.className = 'flash flash-error';
    show(String(error), verdict);
  } finally {
    link.removeAttribute('aria-disabled');
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const link = document.getElementById('verify-now');
  if (link) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      if (link.getAttribute('aria-disabled') !== 'true') {
        verify(link);
      }
    });
  }
});
