/**
 * Browser APIs that jsdom lacks but @grafana/ui touches (uPlot reads matchMedia when it loads; Combobox and
 * its virtual list measure elements). Loaded for every test file; does nothing outside a jsdom environment.
 */
if (typeof window !== 'undefined') {
  if (!window.matchMedia) {
    window.matchMedia = (query: string) =>
      ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => {},
        removeListener: () => {},
        addEventListener: () => {},
        removeEventListener: () => {},
        dispatchEvent: () => false,
      }) as MediaQueryList;
  }
  class NoopObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  window.ResizeObserver ??= NoopObserver as unknown as typeof ResizeObserver;
  window.IntersectionObserver ??= NoopObserver as unknown as typeof IntersectionObserver;
  Element.prototype.scrollIntoView ??= () => {};
  // Combobox sizes its menu from measured text; jsdom has no canvas, so text measures 8px per character.
  HTMLCanvasElement.prototype.getContext = function getContext() {
    return { font: '', measureText: (text: string) => ({ width: text.length * 8 }) };
  } as unknown as typeof HTMLCanvasElement.prototype.getContext;
  // jsdom lays nothing out, so every element measures 0 and virtualised lists (Combobox menus) render no rows.
  // A fixed size per element lets them render their options as a browser would.
  for (const property of ['offsetHeight', 'offsetWidth', 'clientHeight', 'clientWidth']) {
    Object.defineProperty(HTMLElement.prototype, property, { configurable: true, get: () => 600 });
  }
}
