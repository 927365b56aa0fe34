/**
 * A user task's countersign (会签 / 或签 / 票签 / 依次) as the engine reads it (engine/definitions/countersign.py):
 *
 *   <bpmn:property id="signers" name="signers" />            the list of usernames (set by an earlier step)
 *   <bpmn:property id="sign_votes" name="sign_votes" />      the decisions, collected as {by, decision, comment}
 *   <bpmn:multiInstanceLoopCharacteristics isSequential="false">
 *     <bpmn:loopDataInputRef>signers</bpmn:loopDataInputRef>
 *     <bpmn:loopDataOutputRef>sign_votes</bpmn:loopDataOutputRef>
 *     <bpmn:inputDataItem id="sign_signer" />                each person's task sees its person by this name
 *     <bpmn:outputDataItem id="sign_vote" />                 and its own decision by this one
 *     <bpmn:completionCondition>sign_vote['decision'] != 'approve'</bpmn:completionCondition>
 *   </bpmn:multiInstanceLoopCharacteristics>
 *
 * SpiffWorkflow reads the references' text as variable names, and bpmn-js writes a reference as the id of the
 * element it points to (dropping one it cannot resolve), hence the `bpmn:property` elements whose id is the
 * variable's name. A mode names the completion condition the engine's countersign tests use; a condition none of
 * them writes reads back as 'custom' and is kept as it is.
 */

export const COUNTERS = 'countersign'; // the round's counts, as the engine hands them to the condition
export const MODES = ['all', 'any', 'votes', 'inTurn'];
export const DEFAULT_NEEDED = 2;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PYTHON_WORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class',
  'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is',
  'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield']);

function loopOf(bo) {
  const loop = bo.loopCharacteristics;
  return loop && loop.$instanceOf('bpmn:MultiInstanceLoopCharacteristics') ? loop : null;
}

function refName(ref) {
  return ref ? ref.id || ref.name || '' : '';
}

/** The completion condition of a mode, for the decision variable `vote`. */
export function conditionFor(mode, vote, needed) {
  if (mode === 'any') {
    return 'True';
  }
  if (mode === 'votes') {
    return `${vote}['decision'] == 'veto' or ${COUNTERS}['tally'].get('approve', 0) >= ${needed}`;
  }
  return `${vote}['decision'] != 'approve'`;
}

function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function recognise(condition, vote, sequential) {
  const text = condition.trim().replace(/\s+/g, ' ').replace(/"/g, "'");
  const decision = `${escaped(vote)}\\['decision'\\]`;
  if (new RegExp(`^${decision} != 'approve'$`).test(text)) {
    return { mode: sequential ? 'inTurn' : 'all' };
  }
  if (!sequential && text === 'True') {
    return { mode: 'any' };
  }
  const votes = text.match(new RegExp(`^${decision} == 'veto' or ${COUNTERS}\\['tally'\\]\\.get\\('approve', 0\\) >= (\\d+)$`));
  if (!sequential && votes && Number(votes[1]) >= 1) {
    return { mode: 'votes', needed: Number(votes[1]) };
  }
  return { mode: 'custom' };
}

/**
 * What the task's loop says: `mode` ('' when it is no countersign), the variables it names (`people`, `votes`,
 * `person`, `vote`), `needed` (N of M), `condition` and `sequential`.
 */
export function readCountersign(bo) {
  const loop = loopOf(bo);
  if (!loop) {
    return { mode: '' };
  }
  const condition = loop.completionCondition ? loop.completionCondition.body || '' : '';
  const names = {
    people: refName(loop.loopDataInputRef), votes: refName(loop.loopDataOutputRef),
    person: loop.inputDataItem ? loop.inputDataItem.id || '' : '', vote: loop.outputDataItem ? loop.outputDataItem.id || '' : '',
  };
  const sequential = Boolean(loop.isSequential);
  const read = loop.loopCardinality || !names.vote ? { mode: 'custom' } : recognise(condition, names.vote, sequential);
  return { needed: DEFAULT_NEEDED, ...read, ...names, condition, sequential };
}

/** Every id the document uses, with its element (the diagram's and the semantic model's, references aside). */
export function idsInUse(definitions) {
  const found = new Map();
  const visit = (node) => {
    if (!node || !node.$descriptor) {
      return;
    }
    if (node.id) {
      found.set(node.id, node);
    }
    for (const property of node.$descriptor.properties) {
      if (property.isReference || property.name === '$parent') {
        continue;
      }
      const value = node[property.name]; // not get(): it would add an empty list to every element
      (Array.isArray(value) ? value : [value]).forEach((child) => typeof child === 'object' && visit(child));
    }
  };
  visit(definitions);
  return found;
}

function definitionsOf(bo) {
  let node = bo;
  while (node.$parent) {
    node = node.$parent;
  }
  return node;
}

/** Why `name` cannot be the variable listing the people of `bo`'s round (a label key), or null. */
export function peopleProblem(bo, name) {
  if (!name) {
    return 'countersign.people.required';
  }
  if (!IDENTIFIER.test(name) || PYTHON_WORDS.has(name)) {
    return 'countersign.people.invalid';
  }
  const current = readCountersign(bo);
  if (name === bo.id || name === COUNTERS || name === current.votes || name === current.vote
      || name === current.person) {
    return 'countersign.people.reserved';
  }
  const holder = idsInUse(definitionsOf(bo)).get(name);
  const own = holder && (bo.properties || []).includes(holder) && holder === bo.loopCharacteristics?.loopDataInputRef;
  return holder && !own ? 'countersign.people.taken' : null;
}

function freeName(wanted, used) {
  let name = wanted;
  for (let n = 2; used.has(name); n += 1) {
    name = `${wanted}_${n}`;
  }
  used.add(name);
  return name;
}

/**
 * Write the countersign `change` asks for ({mode}, {people}, {needed} or {condition}) onto the task `element`, as
 * one command (one undo step). Mode '' removes the loop and the properties it referred to.
 */
export function writeCountersign(element, change, { bpmnFactory, commandStack }) {
  const bo = element.businessObject;
  const current = readCountersign(bo);
  const loop = loopOf(bo);
  const mode = 'mode' in change ? change.mode : current.mode;
  const own = (ref) => (ref && (bo.properties || []).includes(ref) ? ref : null);
  const owned = loop ? [own(loop.loopDataInputRef), own(loop.loopDataOutputRef)].filter(Boolean) : [];
  const kept = (bo.properties || []).filter((p) => !owned.includes(p));
  const commands = [];
  const update = (moddleElement, properties) => commands.push({ cmd: 'element.updateModdleProperties',
    context: { element, moddleElement, properties } });
  if (!mode) {
    if (bo.loopCharacteristics) {
      update(bo, { loopCharacteristics: undefined, properties: kept });
    }
    return commands.length ? commandStack.execute('properties-panel.multi-command-executor', commands) : undefined;
  }
  const used = new Set(idsInUse(definitionsOf(bo)).keys());
  const base = (bo.id || 'task').replace(/[^A-Za-z0-9_]/g, '_');
  const person = current.person || freeName(`${base}_signer`, used);
  const vote = current.vote || freeName(`${base}_vote`, used);
  const votesName = current.votes || freeName(`${base}_votes`, used);
  const peopleName = 'people' in change ? change.people : current.people;
  const property = (name, existing) => {
    if (existing && existing.id === name) {
      return existing;
    }
    return name ? bpmnFactory.create('bpmn:Property', { id: name, name }) : null;
  };
  const people = property(peopleName, loop && loop.loopDataInputRef);
  const votes = property(votesName, loop && loop.loopDataOutputRef);
  const needed = 'needed' in change ? change.needed : current.needed || DEFAULT_NEEDED;
  const condition = mode === 'custom' ? ('condition' in change ? change.condition : current.condition)
    : conditionFor(mode, vote, needed);
  const attrs = {
    isSequential: mode === 'custom' ? current.sequential : mode === 'inTurn',
    loopDataInputRef: people || undefined, loopDataOutputRef: votes,
    inputDataItem: loop && loop.inputDataItem && loop.inputDataItem.id === person ? loop.inputDataItem
      : bpmnFactory.create('bpmn:DataInput', { id: person }),
    outputDataItem: loop && loop.outputDataItem && loop.outputDataItem.id === vote ? loop.outputDataItem
      : bpmnFactory.create('bpmn:DataOutput', { id: vote }),
    completionCondition: condition ? bpmnFactory.create('bpmn:FormalExpression', { body: condition }) : undefined,
    // A count names nobody: a loop written with one keeps it only until its people are named.
    loopCardinality: mode === 'custom' && loop && !people ? loop.loopCardinality : undefined,
  };
  const next = loop || bpmnFactory.create('bpmn:MultiInstanceLoopCharacteristics');
  next.$parent = bo;
  for (const value of Object.values(attrs)) {
    if (value && value.$descriptor) {
      value.$parent = value.$instanceOf('bpmn:Property') ? bo : next;
    }
  }
  const properties = [...kept, ...[people, votes].filter(Boolean)];
  if (loop) {
    update(loop, attrs);
    update(bo, { properties });
  } else {
    Object.assign(next, attrs);
    update(bo, { loopCharacteristics: next, properties });
  }
  return commandStack.execute('properties-panel.multi-command-executor', commands);
}
