/**
 * Reading and writing opsflow's extension elements (the `spiffworkflow:` namespace the engine reads)
 * through bpmn-js commands, so that every change can be undone and marks the diagram as changed.
 *
 *   spiffworkflow:properties/property name=... value=...   (formJsonSchemaFilename, titleZh, startRoles...)
 *   spiffworkflow:instructionsForEndUser | preScript | postScript | calledDecisionId   (text bodies)
 */

const PROPERTIES = 'spiffworkflow:Properties';

function extensionValues(bo) {
  return (bo.extensionElements && bo.extensionElements.values) || [];
}

function findExtension(bo, type) {
  return extensionValues(bo).find((value) => value.$instanceOf(type));
}

/** The business object that carries a process's properties (a participant stands for its process). */
export function ownerOf(element) {
  const bo = element.businessObject;
  return bo.$instanceOf('bpmn:Participant') && bo.processRef ? bo.processRef : bo;
}

export function getProperty(element, name) {
  const holder = findExtension(ownerOf(element), PROPERTIES);
  const property = holder && (holder.properties || []).find((p) => p.name === name);
  return property ? property.value || '' : '';
}

function ensureExtensions(element, bo, bpmnFactory, modeling) {
  let extensions = bo.extensionElements;
  if (!extensions) {
    extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensions.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: extensions });
  }
  return extensions;
}

export function setProperty(element, name, value, { bpmnFactory, modeling }) {
  const bo = ownerOf(element);
  const extensions = ensureExtensions(element, bo, bpmnFactory, modeling);
  let holder = findExtension(bo, PROPERTIES);
  if (!holder) {
    holder = bpmnFactory.create(PROPERTIES, { properties: [] });
    holder.$parent = extensions;
    modeling.updateModdleProperties(element, extensions, { values: [...extensions.values, holder] });
  }
  const properties = holder.properties || [];
  const existing = properties.find((p) => p.name === name);
  if (!value) {
    if (existing) {
      modeling.updateModdleProperties(element, holder, { properties: properties.filter((p) => p !== existing) });
    }
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    const property = bpmnFactory.create('spiffworkflow:Property', { name, value });
    property.$parent = holder;
    modeling.updateModdleProperties(element, holder, { properties: [...properties, property] });
  }
}

export function getBody(element, type) {
  const found = findExtension(ownerOf(element), type);
  return found ? found.value || '' : '';
}

export function setBody(element, type, value, { bpmnFactory, modeling }) {
  const bo = ownerOf(element);
  const extensions = ensureExtensions(element, bo, bpmnFactory, modeling);
  const existing = findExtension(bo, type);
  if (!value) {
    if (existing) {
      modeling.updateModdleProperties(element, extensions, { values: extensions.values.filter((v) => v !== existing) });
    }
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    const body = bpmnFactory.create(type, { value });
    body.$parent = extensions;
    modeling.updateModdleProperties(element, extensions, { values: [...extensions.values, body] });
  }
}
