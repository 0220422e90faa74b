// The small part of the browser app's state (window.ac1viewer, uPlot
// instances, canvases) that the browser tests inspect inside the page. The
// API's documents are typed once, in src/viewer/api-types.ts.

/** The parts of a uPlot instance the browser tests read inside the page. */
export interface UPlotView {
  series: { label: string; width: number; show: boolean; alpha: number; stroke: unknown; dash?: number[] }[];
  data: ArrayLike<number | null>[];
  axes: { label: string }[];
  width: number;
  over: { style: { left: string }; clientWidth: number };
  scales: { x: { min: number; max: number } };
  ctx: {
    canvas: { width: number; height: number };
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

/** The browser app's global state (src/viewer/web/app.js sets window.ac1viewer). */
export interface ViewerWindow {
  ac1viewer: { plots: { responses: UPlotView; rejected: UPlotView | null }; hiddenRejected: Set<string> };
}

/** The parts of a canvas element canvasStats reads inside the page. */
export interface CanvasView {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

/** The parts of `document` the browser helpers use inside the page. */
export interface DocumentView {
  querySelector(selector: string): CanvasView | null;
}
