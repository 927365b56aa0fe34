/**
 * What opsflow's properties panel entries share: the page's translated labels, the services that write the
 * model, and entries made once per id.
 */

import { isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

/** A function giving the page's label for a key, its `%(name)s` placeholders filled from `values`. */
export function useLabels() {
  const context = useService('opsflowContext');
  const labels = context.labels || {};
  return (key, values = {}) => (labels[key] || key).replace(/%\(([a-z_]+)\)s/g,
    (whole, name) => (name in values ? String(values[name]) : whole));
}

export function useModelServices() {
  return { bpmnFactory: useService('bpmnFactory'), modeling: useService('modeling'),
    commandStack: useService('commandStack') };
}

// One component per entry id, made once: a new component function on every redraw made preact replace
// the field (losing focus and what was being typed).
const COMPONENTS = new Map();

export function entry(id, Component, props = {}, isEdited = isTextFieldEntryEdited) {
  if (!COMPONENTS.has(id)) {
    COMPONENTS.set(id, (p) => <Component {...p} {...props} id={id} />);
  }
  return { id, component: COMPONENTS.get(id), isEdited };
}
