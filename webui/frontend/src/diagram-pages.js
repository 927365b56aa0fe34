/**
 * Entry of webui/static/build/diagram-pages.js: the modeler's read-only diagrams (a version; the two
 * sides of a diff, coloured by what changed), drawn with `window.OpsflowDiagram` (viewer.js).
 *
 * The page holds `<script type="application/json" id="diagram-data">` and containers
 * `[data-diagram="NAME"]`; the data gives `{NAME: xml, marks: {NAME: [{element, change}]}}`.
 */

const CHANGE_CLASSES = { added: 'opsflow-added', changed: 'opsflow-changed', removed: 'opsflow-removed' };

async function draw() {
  const holder = document.getElementById('diagram-data');
  if (!holder || !window.OpsflowDiagram) {
    return;
  }
  const data = JSON.parse(holder.textContent);
  for (const container of document.querySelectorAll('[data-diagram]')) {
    const name = container.getAttribute('data-diagram');
    const markers = {};
    for (const mark of (data.marks || {})[name] || []) {
      markers[mark.element] = [CHANGE_CLASSES[mark.change]];
    }
    try {
      const view = await window.OpsflowDiagram.show(container, data[name], { markers });
      container.setAttribute('data-drawn', String(view.elementIds().length));
    } catch (error) {
      container.textContent = error.message;
    }
  }
  document.body.setAttribute('data-diagrams-ready', 'true');
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', draw);
} else {
  draw();
}
