/**
 * Names on the modeler's canvas in the reader's language, without changing what is saved.
 *
 * - Lanes, in both languages, show their role's title (`opsflowContext.roles`, titles in the reader's language
 *   from the server) instead of the role key the lane's name holds (`research_supervisor`).
 * - In the zh UI, an element with a Chinese title (extension property `titleZh`; for a pool, its process's)
 *   shows it instead of its `name`.
 * - In the zh UI, editing a label on the canvas edits `titleZh` (the English `name` stays as written); a lane's
 *   label still edits its name (the role key). In the en UI the label edits `name`, as bpmn-js does.
 * - In the zh UI, an event or gateway with a Chinese title but no name gets its outside label when a diagram is
 *   opened (bpmn-js makes one only for a name), where the saved diagram put it.
 *
 * Only the drawing changes: a renderer before bpmn-js's draws each element as if its name were the shown one,
 * on a stand-in object; the model (and so the saved XML) keeps `name` and `titleZh` apart.
 */

import BaseRenderer from 'diagram-js/lib/draw/BaseRenderer';
import { is } from 'bpmn-js/lib/util/ModelUtil';
import {
  getExternalLabelBounds, getExternalLabelMid, hasExternalLabel, isLabel, isLabelExternal,
} from 'bpmn-js/lib/util/LabelUtil';

import { getProperty, setProperty } from './extension.js';

const BEFORE_BPMN_JS = 1500;
const NOT_BY_NAME = ['bpmn:TextAnnotation', 'bpmn:Group'];

function named(bo) {
  return bo && !NOT_BY_NAME.some((type) => is(bo, type));
}

/** What the canvas shows for `element` instead of its name, or null (its name as it is). */
export function shownName(element, context) {
  const target = element.labelTarget || element;
  const bo = target.businessObject;
  if (!named(bo)) {
    return null;
  }
  const name = bo.name || '';
  if (is(bo, 'bpmn:Lane')) {
    const role = (context.roles || []).find((r) => r.key === name.trim());
    return role && role.title && role.title !== name ? role.title : null;
  }
  if (context.language === 'zh') {
    const zh = getProperty(target, 'titleZh');
    return zh && zh !== name ? zh : null;
  }
  return null;
}

function standIn(element, text) {
  const businessObject = Object.create(element.businessObject, { name: { value: text } });
  return Object.create(element, { businessObject: { value: businessObject } });
}

class LabelRenderer extends BaseRenderer {
  constructor(eventBus, bpmnRenderer, opsflowContext) {
    super(eventBus, BEFORE_BPMN_JS);
    this._bpmn = bpmnRenderer;
    this._context = opsflowContext;
  }

  canRender(element) {
    return this._bpmn.canRender(element) && shownName(element, this._context) !== null;
  }

  drawShape(parent, element, attrs) {
    return this._bpmn.drawShape(parent, standIn(element, shownName(element, this._context)), attrs);
  }

  drawConnection(parent, element, attrs) {
    return this._bpmn.drawConnection(parent, standIn(element, shownName(element, this._context)), attrs);
  }

  getShapePath(element) {
    return this._bpmn.getShapePath(element);
  }

  getConnectionPath(element) {
    return this._bpmn.getConnectionPath(element);
  }
}

LabelRenderer.$inject = ['eventBus', 'bpmnRenderer', 'opsflowContext'];

/** In the zh UI, what is typed on the canvas becomes the element's Chinese title. */
class ChineseLabelEditing {
  constructor(labelEditingProvider, opsflowContext, modeling, bpmnFactory, textRenderer) {
    if (opsflowContext.language !== 'zh') {
      return;
    }
    const activate = labelEditingProvider.activate.bind(labelEditingProvider);
    const update = labelEditingProvider.update.bind(labelEditingProvider);
    const deps = { modeling, bpmnFactory };
    labelEditingProvider.activate = (element) => {
      const context = activate(element);
      const target = element.labelTarget || element;
      if (context && editsTitle(target)) {
        context.text = getProperty(target, 'titleZh') || context.text;
      }
      return context;
    };
    labelEditingProvider.update = (element, newLabel, activeContextText, bounds) => {
      const target = element.labelTarget || element;
      if (!editsTitle(target)) {
        update(element, newLabel, activeContextText, bounds);
        return;
      }
      const text = (newLabel || '').trim();
      if (text === getProperty(target, 'titleZh')) {
        return;
      }
      if (text && isLabelExternal(target) && !hasExternalLabel(target) && !isLabel(target)) {
        // An event or gateway without a name has no label to show its title in yet.
        const mid = getExternalLabelMid(target);
        const label = modeling.createLabel(target, { x: mid.x, y: mid.y + 7 }, {
          id: `${target.businessObject.id}_label`, businessObject: target.businessObject, di: target.di });
        modeling.resizeShape(label, textRenderer.getExternalLabelBounds(label, text), { width: 0, height: 0 });
      }
      setProperty(target, 'titleZh', text, deps);
    };
  }
}

function editsTitle(target) {
  const bo = target.businessObject;
  return named(bo) && !is(bo, 'bpmn:Lane');
}

ChineseLabelEditing.$inject = ['labelEditingProvider', 'opsflowContext', 'modeling', 'bpmnFactory', 'textRenderer'];

/**
 * In the zh UI, after a diagram is opened: an outside label for each event or gateway (or data object...) that has
 * a Chinese title but no name, placed as the diagram says (or below it), as bpmn-js places a name's. Added to the
 * canvas directly, not as an edit: opening a diagram changes nothing in it.
 */
class ChineseOutsideLabels {
  constructor(eventBus, opsflowContext, elementRegistry, elementFactory, canvas, textRenderer) {
    if (opsflowContext.language !== 'zh') {
      return;
    }
    eventBus.on('import.done', () => {
      const unlabelled = elementRegistry.filter((element) => !isLabel(element) && !element.label
        && element.businessObject && isLabelExternal(element) && !element.businessObject.name
        && getProperty(element, 'titleZh'));
      unlabelled.forEach((element) => {
        const text = getProperty(element, 'titleZh');
        const placed = getExternalLabelBounds(element.di, element);
        const kept = element.di.label && element.di.label.bounds && placed.width > 0;  // where the user put it
        const bounds = kept ? placed : textRenderer.getExternalLabelBounds(placed, text);
        const label = elementFactory.createLabel({
          id: `${element.businessObject.id}_label`, type: 'label', businessObject: element.businessObject,
          di: element.di, labelTarget: element, hidden: Boolean(element.hidden),
          x: Math.round(bounds.x), y: Math.round(bounds.y),
          width: Math.round(bounds.width), height: Math.round(bounds.height),
        });
        canvas.addShape(label, element.parent);
      });
    });
  }
}

ChineseOutsideLabels.$inject = ['eventBus', 'opsflowContext', 'elementRegistry', 'elementFactory', 'canvas',
  'textRenderer'];

export const labelModule = {
  __init__: ['opsflowLabelRenderer', 'opsflowChineseLabelEditing', 'opsflowChineseOutsideLabels'],
  opsflowLabelRenderer: ['type', LabelRenderer],
  opsflowChineseLabelEditing: ['type', ChineseLabelEditing],
  opsflowChineseOutsideLabels: ['type', ChineseOutsideLabels],
};
