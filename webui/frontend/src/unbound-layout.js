/**
 * Layout that references no element (a connector some modelers draw as a BPMNEdge without bpmnElement):
 * bpmn-js cannot show it and leaves it out of its export, so the editor takes it from the file it opened
 * and puts it back, in the same plane, into every export it saves. The analyst could not have removed it.
 */

const DI = 'http://www.omg.org/spec/BPMN/20100524/DI';

function parse(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  return doc.getElementsByTagName('parsererror').length ? null : doc;
}

/** The DI elements of `xml` that reference no element, with the plane each is in. */
export function unboundLayout(xml) {
  const doc = xml && parse(xml);
  const kept = [];
  if (!doc) {
    return kept;
  }
  for (const plane of doc.getElementsByTagNameNS(DI, 'BPMNPlane')) {
    for (const el of plane.children) {
      if (el.namespaceURI === DI && !el.getAttribute('bpmnElement')) {
        kept.push({ plane: plane.getAttribute('id'), of: plane.getAttribute('bpmnElement'), node: el });
      }
    }
  }
  return kept;
}

/** `xml` (the editor's export) with the `kept` layout put back where it is missing. */
export function restoreUnbound(xml, kept) {
  if (!kept.length) {
    return xml;
  }
  const doc = parse(xml);
  if (!doc) {
    return xml;
  }
  const planes = [...doc.getElementsByTagNameNS(DI, 'BPMNPlane')];
  const ids = new Set([...doc.querySelectorAll('[id]')].map((el) => el.getAttribute('id')));
  let added = 0;
  for (const item of kept) {
    const id = item.node.getAttribute('id');
    if (id && ids.has(id)) {
      continue;
    }
    const plane = planes.find((p) => p.getAttribute('id') === item.plane)
      || planes.find((p) => p.getAttribute('bpmnElement') === item.of) || planes[0];
    if (plane) {
      plane.appendChild(doc.importNode(item.node, true));
      added += 1;
    }
  }
  if (!added) {
    return xml;
  }
  const written = new XMLSerializer().serializeToString(doc);
  const declaration = xml.startsWith('<?xml') && !written.startsWith('<?xml')
    ? `${xml.slice(0, xml.indexOf('?>') + 2)}\n` : '';
  return declaration + written;
}
