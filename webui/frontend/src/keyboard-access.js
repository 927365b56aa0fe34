/**
 * The canvas by keyboard, as far as bpmn-js allows: its own bindings work once the canvas (an SVG with
 * tabindex 0) has focus (Delete removes the selection, arrow keys move it, Ctrl+Z undoes); this module makes
 * the palette reachable with Tab and usable with Enter or Space: a shape tool appends its shape after the
 * selected element (or puts it in the middle of the view when nothing is selected), a tool (hand, lasso,
 * space, connect) is switched on as by a click.
 */

const SHAPES = {
  'create.start-event': 'bpmn:StartEvent', 'create.intermediate-event': 'bpmn:IntermediateThrowEvent',
  'create.end-event': 'bpmn:EndEvent', 'create.exclusive-gateway': 'bpmn:ExclusiveGateway',
  'create.task': 'bpmn:Task', 'create.user-task': 'bpmn:UserTask', 'create.script-task': 'bpmn:ScriptTask',
  'create.data-object': 'bpmn:DataObjectReference', 'create.data-store': 'bpmn:DataStoreReference',
};

function KeyboardAccess(eventBus, canvas, palette, selection, elementFactory, autoPlace, modeling) {
  function place(type) {
    const [selected] = selection.get();
    const shape = elementFactory.createShape({ type });
    if (selected && !selected.waypoints && selected.type !== 'bpmn:Participant' && selected.type !== 'bpmn:Lane') {
      const placed = autoPlace.append(selected, shape);
      selection.select(placed);
      return;
    }
    const box = canvas.viewbox();
    const root = canvas.getRootElement();
    const parent = root.children.find((c) => c.type === 'bpmn:Participant') || root;
    const placed = modeling.createShape(shape, { x: box.x + box.width / 2, y: box.y + box.height / 2 }, parent);
    selection.select(placed);
  }

  function onKey(event) {
    if (event.key !== 'Enter' && event.key !== ' ') {
      return;
    }
    const entry = event.target.closest && event.target.closest('.entry[data-action]');
    if (!entry) {
      return;
    }
    event.preventDefault();
    const action = entry.getAttribute('data-action');
    if (SHAPES[action]) {
      place(SHAPES[action]);
      canvas.focus();
    } else {
      palette.trigger('click', { target: entry, delegateTarget: entry, preventDefault() {}, stopPropagation() {} });
    }
  }

  eventBus.on('palette.changed', () => {
    const container = palette._container;
    if (!container) {
      return;
    }
    for (const entry of container.querySelectorAll('.entry[data-action]')) {
      entry.setAttribute('tabindex', '0');
      entry.setAttribute('role', 'button');
      if (!entry.getAttribute('aria-label') && entry.getAttribute('title')) {
        entry.setAttribute('aria-label', entry.getAttribute('title'));
      }
    }
    if (!container.dataset.keyboard) {
      container.dataset.keyboard = 'true';
      container.addEventListener('keydown', onKey);
    }
  });
}

KeyboardAccess.$inject = ['eventBus', 'canvas', 'palette', 'selection', 'elementFactory', 'autoPlace', 'modeling'];

export default {
  __init__: ['opsflowKeyboardAccess'],
  opsflowKeyboardAccess: ['type', KeyboardAccess],
};
