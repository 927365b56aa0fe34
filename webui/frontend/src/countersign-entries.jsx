/**
 * The "Countersign" group of a user task: off, all must approve (会签), any one (或签), N of them (票签) or one
 * after another (依次); the variable listing the people; N; and, for a loop written by hand, its condition.
 * What is written is countersign.js's.
 */

import { NumberFieldEntry, SelectEntry, TextAreaEntry, TextFieldEntry, isNumberFieldEntryEdited,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { useCallback } from '@bpmn-io/properties-panel/preact/hooks';

import { MODES, peopleProblem, readCountersign, writeCountersign } from './countersign.js';
import { entry, useLabels, useModelServices } from './panel-kit.jsx';

function Mode({ element, id }) {
  const t = useLabels();
  const deps = useModelServices();
  const state = readCountersign(element.businessObject);
  const getOptions = () => {
    const options = [{ value: '', label: t('countersign.off') },
      ...MODES.map((mode) => ({ value: mode, label: t(`countersign.${mode}`) }))];
    return readCountersign(element.businessObject).mode === 'custom'
      ? [...options, { value: 'custom', label: t('countersign.custom') }] : options;
  };
  const description = state.mode ? t('countersign.collects', { votes: state.votes, vote: state.vote })
    : t('countersign.hint');
  return <SelectEntry element={element} id={id} label={t('countersign.mode')} description={description}
    getOptions={getOptions} getValue={() => readCountersign(element.businessObject).mode}
    setValue={(mode) => writeCountersign(element, { mode }, deps)} />;
}

function People({ element, id }) {
  const t = useLabels();
  const deps = useModelServices();
  const debounce = useService('debounceInput');
  const validate = useCallback((value) => {
    const problem = peopleProblem(element.businessObject, (value || '').trim());
    return problem ? t(problem) : null;
  }, [element]);
  // A name the engine would refuse is shown as an error and not written.
  const setValue = useCallback((value, error) => {
    if (!error) {
      writeCountersign(element, { people: (value || '').trim() }, deps);
    }
  }, [element]);
  return <TextFieldEntry element={element} id={id} label={t('countersign.people')} debounce={debounce}
    description={t('countersign.people.hint')} validate={validate} setValue={setValue}
    getValue={() => readCountersign(element.businessObject).people || ''} />;
}

function Needed({ element, id }) {
  const t = useLabels();
  const deps = useModelServices();
  const debounce = useService('debounceInput');
  const validate = useCallback((value) => {
    const needed = Number(value);
    return Number.isInteger(needed) && needed >= 1 ? null : t('countersign.needed.invalid');
  }, [element]);
  const setValue = useCallback((value, error) => {
    if (!error) {
      writeCountersign(element, { needed: Number(value) }, deps);
    }
  }, [element]);
  // No min on the input: the browser would silently drop 0 instead of letting the field say what it needs.
  return <NumberFieldEntry element={element} id={id} label={t('countersign.needed')}
    description={t('countersign.needed.hint')} debounce={debounce} validate={validate} setValue={setValue}
    getValue={() => readCountersign(element.businessObject).needed} />;
}

function Condition({ element, id }) {
  const t = useLabels();
  const deps = useModelServices();
  const debounce = useService('debounceInput');
  const setValue = useCallback((value) => writeCountersign(element, { condition: value || '' }, deps), [element]);
  const vote = readCountersign(element.businessObject).vote;
  return <TextAreaEntry element={element} id={id} label={t('countersign.condition')} monospace debounce={debounce}
    description={t('countersign.condition.hint', { vote })} setValue={setValue}
    getValue={() => readCountersign(element.businessObject).condition || ''} />;
}

/** The group's entries for the task as it stands (the people once it is on, N for 票签, a hand-written condition). */
export function countersignEntries(element) {
  const { mode } = readCountersign(element.businessObject);
  const entries = [entry('opsflow-countersign', Mode, {}, isSelectEntryEdited)];
  if (mode) {
    entries.push(entry('opsflow-countersign-people', People, {}, isTextFieldEntryEdited));
  }
  if (mode === 'votes') {
    entries.push(entry('opsflow-countersign-needed', Needed, {}, isNumberFieldEntryEdited));
  }
  if (mode === 'custom') {
    entries.push(entry('opsflow-countersign-condition', Condition, {}, isTextAreaEntryEdited));
  }
  return entries;
}
