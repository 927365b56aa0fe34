/**
 * A read-only process diagram that can say what happened in an instance.
 *
 * `show(container, xml, overlays)` draws a BPMN file with bpmn-js's NavigatedViewer (pan and
 * zoom, no editing) and returns a `DiagramView`. The view marks elements with CSS classes
 * (canvas markers) and pins small text badges on them (bpmn-js overlays). The audit workspace
 * uses it for the path taken, the visit counts and where the instance waits now.
 *
 * Element ids are the BPMN ids (`research`, `flow_research_draft`, ...). An id the diagram does
 * not draw is skipped and reported in `view.missing`, so a history that names an element of an
 * older version does not stop the rest from being shown.
 */

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

export const CLASSES = Object.freeze({
  visited: 'opsflow-visited',
  current: 'opsflow-current',
  badge: 'opsflow-badge',
});

// Overlays of this type are ours; `clear()` removes them and nothing else.
const BADGE_OVERLAY = 'opsflow-badge';

// Above the top-right corner of the shape (bpmn-js positions relative to the element's box).
const BADGE_POSITION = Object.freeze({ top: -12, right: 12 });

function asList(value) {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function resolveContainer(container) {
  const element = typeof container === 'string' ? document.querySelector(container) : container;
  if (!(element instanceof HTMLElement)) {
    throw new Error(`OpsflowDiagram: no container element ${String(container)}`);
  }
  return element;
}

export class DiagramView {
  constructor(viewer, warnings) {
    this.viewer = viewer;
    this.warnings = warnings;
    this.missing = [];
    this._marked = new Map(); // element id -> Set of classes we added
    this._canvas = viewer.get('canvas');
    this._registry = viewer.get('elementRegistry');
    this._overlays = viewer.get('overlays');
  }

  /** True when the diagram draws an element with this BPMN id. */
  has(id) {
    return Boolean(this._registry.get(id));
  }

  /** The ids of the drawn BPMN elements (shapes and flows; labels and the root left out). */
  elementIds() {
    return this._registry
      .filter((element) => element.type !== 'label' && element.parent)
      .map((element) => element.id);
  }

  _known(id) {
    if (this.has(id)) {
      return true;
    }
    if (!this.missing.includes(id)) {
      this.missing.push(id);
    }
    return false;
  }

  /** Add `className` to each of `ids` (one id or a list); returns the ids that were drawn. */
  mark(ids, className) {
    const done = [];
    for (const id of asList(ids)) {
      if (!this._known(id)) {
        continue;
      }
      this._canvas.addMarker(id, className);
      if (!this._marked.has(id)) {
        this._marked.set(id, new Set());
      }
      this._marked.get(id).add(className);
      done.push(id);
    }
    return done;
  }

  /** Remove `className` from each of `ids`. */
  unmark(ids, className) {
    for (const id of asList(ids)) {
      if (this.has(id)) {
        this._canvas.removeMarker(id, className);
        this._marked.get(id)?.delete(className);
      }
    }
  }

  /**
   * Pin a badge with `text` on element `id`; returns the overlay id, or null if `id` is not drawn.
   * `options.title` becomes the tooltip, `options.className` an extra class on the badge.
   */
  badge(id, text, options = {}) {
    if (!this._known(id)) {
      return null;
    }
    const badge = document.createElement('span');
    badge.className = options.className ? `${CLASSES.badge} ${options.className}` : CLASSES.badge;
    badge.textContent = String(text);
    badge.dataset.elementId = id;
    if (options.title) {
      badge.title = options.title;
    }
    return this._overlays.add(id, BADGE_OVERLAY, { position: BADGE_POSITION, html: badge });
  }

  /**
   * Apply a whole description at once:
   * `{ visited: [ids], current: [ids], counts: {id: n}, badges: {id: text | {text, title, className}},
   *    markers: {id: class | [classes]}, countTitle: (id, n) => tooltip,
   *    labels: {id: text}, lanes: {name: text} }`.
   * Every given count gets a badge `×n` (class `opsflow-count`); leave out what should not show.
   * `labels` and `lanes` rename what the diagram shows (see `relabel`).
   */
  apply(overlays = {}) {
    this.relabel(overlays.labels, overlays.lanes);
    this.mark(overlays.visited, CLASSES.visited);
    this.mark(overlays.current, CLASSES.current);
    for (const [id, count] of Object.entries(overlays.counts || {})) {
      const title = overlays.countTitle ? overlays.countTitle(id, count) : '';
      this.badge(id, `×${count}`, { title, className: 'opsflow-count' });
    }
    for (const [id, badge] of Object.entries(overlays.badges || {})) {
      const spec = typeof badge === 'object' && badge !== null ? badge : { text: badge };
      this.badge(id, spec.text, spec);
    }
    for (const [id, classes] of Object.entries(overlays.markers || {})) {
      for (const className of asList(classes)) {
        this.mark(id, className);
      }
    }
    return this;
  }

  /**
   * Show other names on the diagram, in the reader's language: `labels` by element id (a step's Chinese
   * title), `lanes` by the lane's own name (a role key such as `research_supervisor` -> its title).
   * Only what is drawn changes: the names live in this page's copy of the model, never in the file.
   */
  relabel(labels = {}, lanes = {}) {
    const graphics = this.viewer.get('graphicsFactory');
    for (const element of this._registry.getAll()) {
      const semantic = element.businessObject;
      if (element.type === 'label' || !semantic) {
        continue;
      }
      const isLane = element.type === 'bpmn:Lane';
      const text = isLane ? lanes[semantic.name] : labels[element.id];
      if (!text || text === semantic.name) {
        continue;
      }
      semantic.name = text;
      for (const drawn of [element, element.label].filter(Boolean)) {
        graphics.update(drawn.waypoints ? 'connection' : 'shape', drawn, this._registry.getGraphics(drawn));
      }
    }
    return this;
  }

  /** Remove every class and badge this view added (the drawing stays). */
  clear() {
    for (const [id, classes] of this._marked) {
      for (const className of classes) {
        this._canvas.removeMarker(id, className);
      }
    }
    this._marked.clear();
    this._overlays.remove({ type: BADGE_OVERLAY });
    this.missing = [];
    return this;
  }

  /** Zoom so the whole diagram fits the container. */
  fit() {
    this._canvas.zoom('fit-viewport', 'auto');
    return this;
  }

  /** Take the diagram out of the page. */
  destroy() {
    this.viewer.destroy();
  }
}

/**
 * Draw `xml` (a BPMN 2.0 document with BPMNDI) into `container` (an element or a CSS selector)
 * and apply `overlays` (see `DiagramView.apply`). Resolves to the `DiagramView`; rejects with
 * bpmn-js's error when the XML cannot be read. Import warnings are in `view.warnings`.
 */
export async function show(container, xml, overlays = {}) {
  const viewer = new NavigatedViewer({ container: resolveContainer(container) });
  let result;
  try {
    result = await viewer.importXML(xml);
  } catch (error) {
    viewer.destroy();
    throw error;
  }
  const view = new DiagramView(viewer, result.warnings.map((warning) => warning.message));
  view.fit();
  return view.apply(overlays);
}
