/**
 * The properties panel's `debounceInput`, with one change: what was typed but not applied yet is applied
 * before the selection moves to another element. With the panel's own debounce, a pending change is
 * applied while the panel already redraws for the next element, and the panel then falls back to showing
 * the element that changed: a stale panel whose fields act on another element than the one selected.
 */

const DEFAULT_DELAY = 300;

function flushingDebounceInput(eventBus, delay) {
  const pending = new Set();
  const flushAll = () => {
    for (const debounced of [...pending]) {
      debounced.run();
    }
  };
  // Before the panel hears of the new selection (it listens at the default priority, 1000).
  eventBus.on(['selection.changed', 'diagram.destroy'], 5000, flushAll);

  return function debounce(fn) {
    if (delay === false) {
      return fn;
    }
    const wait = typeof delay === 'number' ? delay : DEFAULT_DELAY;
    let timer = null;
    let lastArgs = null;
    const run = () => {
      window.clearTimeout(timer);
      timer = null;
      pending.delete(debounced);
      const args = lastArgs;
      lastArgs = null;
      if (args) {
        fn(...args);
      }
    };
    function debounced(...args) {
      lastArgs = args;
      window.clearTimeout(timer);
      timer = window.setTimeout(run, wait);
      pending.add(debounced);
    }
    debounced.run = run;
    // The panel flushes when it redraws an entry, which can happen while a command is being executed
    // (another field's change): applying then would be a command inside a command, so it applies right after.
    debounced.flush = () => {
      if (lastArgs) {
        window.clearTimeout(timer);
        timer = window.setTimeout(run, 0);
      }
    };
    debounced.cancel = () => {
      window.clearTimeout(timer);
      lastArgs = null;
      pending.delete(debounced);
    };
    return debounced;
  };
}

flushingDebounceInput.$inject = ['eventBus', 'config.debounceInput'];

export default { debounceInput: ['factory', flushingDebounceInput] };
