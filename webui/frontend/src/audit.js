/**
 * The audit pages (webui/templates/audit/): an instance's diagram with the path taken, the step
 * scrubber, and a version's heatmap. Entry of webui/static/build/audit.js.
 *
 * It draws with `window.OpsflowDiagram` (viewer.js, loaded before this file) and imports nothing
 * itself, so the page loads bpmn-js once. The numbers come from the audit routes as JSON; the
 * replay panel comes as HTML rendered (and escaped) by the server, so the page has one renderer.
 * Without JavaScript the pages work with links and a form (`?step=N`).
 */

const MARK = Object.freeze({
  ended: 'opsflow-ended',
  inferred: 'opsflow-inferred',
  stopped: 'opsflow-stopped',
  chosen: 'chosen',
});
const HEAT_LEVELS = 5;

async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${url}: ${response.status}`);
  }
  return response.json();
}

function say(container, text) {
  const note = document.createElement('p');
  note.className = 'empty';
  note.textContent = text;
  container.replaceChildren(note);
}

/** What the diagram shows of a path: visited nodes and flows, loop badges, where it waits, the end. */
export function pathOverlays(path, texts) {
  const markers = {};
  for (const id of path.inferred) {
    markers[id] = [MARK.inferred];
  }
  if (path.ended) {
    markers[path.ended] = [...(markers[path.ended] || []), MARK.ended];
  }
  for (const id of path.stopped || []) { // open when the request was cancelled or withdrawn: not passed
    markers[id] = [...(markers[id] || []), MARK.stopped];
  }
  return {
    visited: [...Object.keys(path.visits), ...Object.keys(path.flows)].filter((id) => !(path.stopped || []).includes(id)),
    current: path.current,
    counts: path.loops,
    markers,
    countTitle: (id, n) => texts.visits.replace('%(n)s', String(n)),
  };
}

async function showInstance(container) {
  const data = await getJson(`${container.dataset.url}?step=${container.dataset.step}`);
  const view = await window.OpsflowDiagram.show(container, data.bpmn,
    { ...pathOverlays(data.path, data.texts), labels: data.labels, lanes: data.lanes });
  container.dataset.ready = 'true';
  return { view, texts: data.texts };
}

function setupScrubber(diagram) {
  const form = document.getElementById('scrubber');
  const panel = document.getElementById('replay-panel');
  if (!form || !panel) {
    return;
  }
  const range = form.querySelector('#step-range');
  const out = form.querySelector('#step-out');
  const prev = form.querySelector('#step-prev');
  const next = form.querySelector('#step-next');
  const last = Number(range.max);
  let asked = 0; // answers to earlier requests than the newest are dropped

  const label = (step) => `${step} / ${last}`;
  const link = (step) => {
    const url = new URL(window.location.href);
    url.searchParams.set('step', String(step));
    url.hash = 'replay';
    return url.toString();
  };

  async function go(wanted) {
    const step = Math.min(Math.max(wanted, 1), last);
    const ticket = ++asked;
    range.value = String(step);
    out.textContent = label(step);
    form.setAttribute('aria-busy', 'true');
    let data;
    try {
      data = await getJson(form.dataset.stepsUrl + step);
    } catch (error) {
      form.removeAttribute('aria-busy');
      throw error;
    }
    if (ticket !== asked) {
      return;
    }
    panel.innerHTML = data.html; // the server's own template output, escaped there
    if (diagram) {
      diagram.view.clear();
      diagram.view.apply(pathOverlays(data.path, diagram.texts));
    }
    prev.href = link(Math.max(step - 1, 1));
    next.href = link(Math.min(step + 1, last));
    for (const item of document.querySelectorAll('.audit-steps > li')) {
      item.classList.toggle(MARK.chosen, item.id === `step-${step}`);
    }
    window.history.replaceState(null, '', link(step));
    form.dataset.step = String(step);
    form.removeAttribute('aria-busy');
  }

  range.addEventListener('input', () => {
    out.textContent = label(Number(range.value));
  });
  range.addEventListener('change', () => go(Number(range.value)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(Number(range.value));
  });
  prev.addEventListener('click', (event) => {
    event.preventDefault();
    go(Number(range.value) - 1);
  });
  next.addEventListener('click', (event) => {
    event.preventDefault();
    go(Number(range.value) + 1);
  });
  for (const anchor of document.querySelectorAll('.audit-steps a[data-step]')) {
    anchor.addEventListener('click', (event) => {
      event.preventDefault();
      go(Number(anchor.dataset.step));
      document.getElementById('replay').scrollIntoView({ block: 'start' });
    });
  }
  form.dataset.step = range.value;
  form.dataset.ready = 'true';
}

/** Heat levels 1..5 by the share of the version's instances that passed each element. */
export function heatOverlays(data) {
  const most = Math.max(1, data.instances);
  const level = (n) => Math.max(1, Math.ceil((HEAT_LEVELS * n) / most));
  const markers = {};
  const badges = {};
  for (const [id, n] of Object.entries(data.passes)) {
    markers[id] = `opsflow-heat-${level(n)}`;
    const median = data.medians[id];
    const automatic = (data.auto_passed || {})[id]; // "auto-passed 3": passed for the same approver
    badges[id] = {
      text: automatic ? `${n} · ${automatic}` : String(n),
      title: [String(n), median && `${data.texts.median}: ${median}`, automatic].filter(Boolean).join(' · '),
      className: 'opsflow-heat-badge',
    };
  }
  for (const [id, n] of Object.entries(data.flows)) {
    markers[id] = `opsflow-heat-${level(n)}`;
  }
  return { markers, badges };
}

async function showHeatmap(container) {
  const data = await getJson(container.dataset.url);
  await window.OpsflowDiagram.show(container, data.bpmn,
    { ...heatOverlays(data), labels: data.labels, lanes: data.lanes });
  container.dataset.ready = 'true';
}

async function main() {
  const instance = document.getElementById('audit-diagram');
  const heatmap = document.getElementById('audit-heatmap');
  let diagram = null;
  if (instance) {
    try {
      diagram = await showInstance(instance);
    } catch (error) {
      say(instance, instance.dataset.failed || String(error));
    }
    setupScrubber(diagram);
  }
  if (heatmap) {
    try {
      await showHeatmap(heatmap);
    } catch (error) {
      say(heatmap, heatmap.dataset.failed || String(error));
    }
  }
}

main();
