// The embedding map's canvas: points written into its pixels, zoom, pan, lasso, hover and click hit tests, keyboard focus.

export interface MapPoint {
  imageId: string;
  name: string;
  x: number;
  y: number;
  colour: string;
}

export interface MapHandlers {
  /** The pointer rests on a point (null: on none), at page coordinates. */
  hover(point: MapPoint | null, at: { x: number; y: number }): void;
  /** A point was clicked, or Enter pressed on the focused one. */
  activate(point: MapPoint): void;
  /** The lasso closed around these points. */
  lasso(points: MapPoint[]): void;
  /** The focused point or the view changed. */
  changed(): void;
}

const HIT_RADIUS = 7;
const DRAG_THRESHOLD = 4;
const BACKGROUND = '#f5f6f8';

/** A #rrggbb colour, moved `fade` of the way to the background, as one pixel of an ImageData's Uint32 view (RGBA bytes on a little-endian machine). */
function pixel(hex: string, fade = 0): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const background = Number.parseInt(BACKGROUND.slice(1), 16);
  const [r, g, b] = [16, 8, 0].map((shift) => {
    const [c, bg] = [(n >> shift) & 0xff, (background >> shift) & 0xff];
    return Math.round(c + fade * (bg - c));
  });
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** How far points outside a lasso selection fade towards the background. */
const UNSELECTED_FADE = 0.8;

/** x on the canvas = unit x * k + ox (CSS pixels); the same k for y. */
interface View {
  k: number;
  ox: number;
  oy: number;
}

/** Whether (x, y) lies inside the polygon (even-odd rule). */
export function insidePolygon(x: number, y: number, polygon: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export class EmbeddingMap {
  readonly canvas: HTMLCanvasElement;
  mode: 'pan' | 'lasso' = 'pan';
  focused: MapPoint | null = null;
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private lassoPath: [number, number][] = [];
  /** 1 for each point inside the lasso; every point counts as selected when none is. */
  private selected: Uint8Array | null = null;
  /** Data coordinates mapped to [0, 1] once; the view transform applies on top. */
  private readonly unit: Float32Array;
  /** Each point's colour as a pixel, and faded for a point outside the lasso's selection. */
  private readonly pixels: Uint32Array;
  private readonly faded: Uint32Array;
  private image: ImageData | null = null;
  private hovered: number | null = null;

  constructor(
    readonly points: MapPoint[],
    private readonly handlers: MapHandlers,
    readonly label: string,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'map-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max(x1 - x0, y1 - y0) || 1;
    this.unit = new Float32Array(points.length * 2);
    points.forEach((p, i) => {
      this.unit[2 * i] = 0.5 + (p.x - (x0 + x1) / 2) / span / 1.06;
      this.unit[2 * i + 1] = 0.5 - (p.y - (y0 + y1) / 2) / span / 1.06;
    });
    const colours = new Map<string, number>();
    const fadedColours = new Map<string, number>();
    this.pixels = Uint32Array.from(points, (p) => colours.get(p.colour) ?? colours.set(p.colour, pixel(p.colour)).get(p.colour)!);
    this.faded = Uint32Array.from(
      points,
      (p) => fadedColours.get(p.colour) ?? fadedColours.set(p.colour, pixel(p.colour, UNSELECTED_FADE)).get(p.colour)!,
    );
    this.listen();
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  private get size(): number {
    return this.canvas.clientWidth || 460;
  }

  private view(size = this.size): View {
    const k = size * this.scale;
    return { k, ox: (size / 2) * (1 - this.scale) + this.tx, oy: (size / 2) * (1 - this.scale) + this.ty };
  }

  /** The point's position on the canvas, in CSS pixels. */
  private screen(i: number, { k, ox, oy }: View): [number, number] {
    return [this.unit[2 * i] * k + ox, this.unit[2 * i + 1] * k + oy];
  }

  /** The nearest point within the hit radius of (x, y) on the canvas. */
  private hit(x: number, y: number): number | null {
    const { k, ox, oy } = this.view();
    const unit = this.unit;
    let best: number | null = null;
    let bestDistance = HIT_RADIUS * HIT_RADIUS;
    for (let i = 0; i < this.points.length; i++) {
      const dx = unit[2 * i] * k + ox - x;
      const dy = unit[2 * i + 1] * k + oy - y;
      const d = dx * dx + dy * dy;
      if (d <= bestDistance) [best, bestDistance] = [i, d];
    }
    return best;
  }

  zoom(factor: number, at = { x: this.size / 2, y: this.size / 2 }): void {
    const next = Math.min(200, Math.max(0.5, this.scale * factor));
    const applied = next / this.scale;
    const centre = this.size / 2;
    this.tx = (this.tx + centre - at.x) * applied + at.x - centre;
    this.ty = (this.ty + centre - at.y) * applied + at.y - centre;
    this.scale = next;
    this.draw();
    this.handlers.changed();
  }

  reset(): void {
    [this.scale, this.tx, this.ty] = [1, 0, 0];
    this.draw();
    this.handlers.changed();
  }

  /** Points in the current view, for a picture of what is shown. */
  visible(): { point: MapPoint; x: number; y: number }[] {
    const size = this.size;
    const view = this.view(size);
    return this.points.flatMap((point, i) => {
      const [x, y] = this.screen(i, view);
      return x >= 0 && y >= 0 && x <= size && y <= size ? [{ point, x, y }] : [];
    });
  }

  get viewSize(): number {
    return this.size;
  }

  focus(index: number): void {
    if (this.points.length === 0) return;
    const i = ((index % this.points.length) + this.points.length) % this.points.length;
    this.focused = this.points[i];
    this.draw();
    this.handlers.changed();
  }

  /** Every point as a square of pixels (written into one ImageData: no path to rasterise), then the overlays. */
  draw(): void {
    const size = this.size;
    const ratio = window.devicePixelRatio || 1;
    const side = Math.round(size * ratio);
    if (this.canvas.width !== side) {
      this.canvas.width = this.canvas.height = side;
      this.image = null;
    }
    const context = this.canvas.getContext('2d')!;
    this.image ??= context.createImageData(side, side);
    const buffer = new Uint32Array(this.image.data.buffer);
    buffer.fill(pixel(BACKGROUND));
    const radius = this.points.length > 20_000 ? 1.5 : this.points.length > 2_000 ? 2.5 : 3.5;
    const half = Math.max(1, Math.round(radius * ratio));
    const view = this.view(size);
    const [k, ox, oy] = [view.k * ratio, view.ox * ratio, view.oy * ratio];
    const { unit, pixels, faded, selected } = this;
    // With a selection, the faded points first, then the selected ones over them in their colours.
    for (const pass of selected ? [0, 1] : [1]) {
      for (let i = 0; i < pixels.length; i++) {
        if (selected && selected[i] !== pass) continue;
        const cx = Math.round(unit[2 * i] * k + ox);
        const cy = Math.round(unit[2 * i + 1] * k + oy);
        if (cx < -half || cy < -half || cx >= side + half || cy >= side + half) continue;
        const colour = pass ? pixels[i] : faded[i];
        for (let y = Math.max(0, cy - half); y < Math.min(side, cy + half); y++) {
          const row = y * side;
          for (let x = Math.max(0, cx - half); x < Math.min(side, cx + half); x++) buffer[row + x] = colour;
        }
      }
    }
    context.putImageData(this.image, 0, 0);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineWidth = 2;
    if (this.focused) {
      const [x, y] = this.screen(this.points.indexOf(this.focused), view);
      context.strokeStyle = '#a4161a';
      context.beginPath();
      context.arc(x, y, radius + 6, 0, 2 * Math.PI);
      context.stroke();
    }
    if (this.lassoPath.length > 1) {
      context.strokeStyle = '#0b5cad';
      context.setLineDash([5, 4]);
      context.beginPath();
      this.lassoPath.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      context.closePath();
      context.stroke();
      context.setLineDash([]);
    }
  }

  private listen(): void {
    const canvas = this.canvas;
    let start: { x: number; y: number; tx: number; ty: number } | null = null;
    let dragged = false;
    const local = (event: PointerEvent | WheelEvent) => {
      const box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    };
    canvas.addEventListener('pointerdown', (event) => {
      const at = local(event);
      start = { ...at, tx: this.tx, ty: this.ty };
      dragged = false;
      this.lassoPath = this.mode === 'lasso' ? [[at.x, at.y]] : [];
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener('pointermove', (event) => {
      const at = local(event);
      if (start) {
        dragged ||= Math.hypot(at.x - start.x, at.y - start.y) > DRAG_THRESHOLD;
        if (this.mode === 'lasso') this.lassoPath.push([at.x, at.y]);
        else [this.tx, this.ty] = [start.tx + at.x - start.x, start.ty + at.y - start.y];
        this.draw();
        return;
      }
      const i = this.hit(at.x, at.y);
      if (i === this.hovered) return;
      this.hovered = i;
      canvas.style.cursor = i === null ? (this.mode === 'lasso' ? 'crosshair' : 'grab') : 'pointer';
      this.handlers.hover(i === null ? null : this.points[i], { x: event.pageX, y: event.pageY });
    });
    canvas.addEventListener('pointerleave', () => {
      this.hovered = null;
      this.handlers.hover(null, { x: 0, y: 0 });
    });
    canvas.addEventListener('pointerup', (event) => {
      const at = local(event);
      if (!start) return;
      start = null;
      if (!dragged) {
        this.lassoPath = [];
        const i = this.hit(at.x, at.y);
        if (i !== null) {
          this.focused = this.points[i];
          this.draw();
          this.handlers.changed();
          this.handlers.activate(this.points[i]);
        }
        return;
      }
      if (this.mode === 'lasso') this.closeLasso();
      else this.handlers.changed();
    });
    canvas.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        this.zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, local(event));
      },
      { passive: false },
    );
    canvas.addEventListener('keydown', (event) => {
      const index = this.focused ? this.points.indexOf(this.focused) : -1;
      const actions: Record<string, () => void> = {
        ArrowRight: () => this.focus(index + 1),
        ArrowDown: () => this.focus(index + 1),
        ArrowLeft: () => this.focus(index - 1),
        ArrowUp: () => this.focus(index - 1),
        Home: () => this.focus(0),
        End: () => this.focus(this.points.length - 1),
        '+': () => this.zoom(1.5),
        '=': () => this.zoom(1.5),
        '-': () => this.zoom(1 / 1.5),
        '0': () => this.reset(),
        Enter: () => this.focused && this.handlers.activate(this.focused),
      };
      const action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });
  }

  private closeLasso(): void {
    const path = this.lassoPath;
    this.lassoPath = [];
    const view = this.view();
    const selected = Uint8Array.from(this.points, (_, i) => (path.length >= 3 && insidePolygon(...this.screen(i, view), path) ? 1 : 0));
    const chosen = this.points.filter((_, i) => selected[i]);
    this.selected = chosen.length ? selected : null;
    this.draw();
    this.handlers.lasso(chosen);
  }
}
