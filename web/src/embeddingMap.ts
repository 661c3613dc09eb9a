// The embedding map's canvas: tens of thousands of points drawn in one pass per colour, zoom (wheel, buttons, keys),
// pan (drag), lasso (drag in lasso mode), hover and click hit-tests, and a keyboard-focusable point.

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
  private selected = new Set<MapPoint>();
  /** Data coordinates mapped to [0, 1] once; the view transform applies on top. */
  private readonly unit: Float32Array;
  private readonly groups: Map<string, number[]>;

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
    this.groups = new Map();
    points.forEach((p, i) => {
      const group = this.groups.get(p.colour);
      if (group) group.push(i);
      else this.groups.set(p.colour, [i]);
    });
    this.listen();
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  private get size(): number {
    return this.canvas.clientWidth || 460;
  }

  /** The point's position on the canvas, in CSS pixels. */
  private screen(i: number): [number, number] {
    const size = this.size;
    return [
      (this.unit[2 * i] * size - size / 2) * this.scale + size / 2 + this.tx,
      (this.unit[2 * i + 1] * size - size / 2) * this.scale + size / 2 + this.ty,
    ];
  }

  /** The nearest point within the hit radius of (x, y) on the canvas. */
  private hit(x: number, y: number): number | null {
    let best: number | null = null;
    let bestDistance = HIT_RADIUS * HIT_RADIUS;
    for (let i = 0; i < this.points.length; i++) {
      const [px, py] = this.screen(i);
      const d = (px - x) ** 2 + (py - y) ** 2;
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
    return this.points.flatMap((point, i) => {
      const [x, y] = this.screen(i);
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

  draw(): void {
    const size = this.size;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(size * ratio)) {
      this.canvas.width = Math.round(size * ratio);
      this.canvas.height = Math.round(size * ratio);
    }
    const context = this.canvas.getContext('2d')!;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.fillStyle = '#f5f6f8';
    context.fillRect(0, 0, size, size);
    const radius = this.points.length > 20_000 ? 1.5 : this.points.length > 2_000 ? 2.5 : 3.5;
    for (const [colour, indices] of this.groups) {
      context.fillStyle = colour;
      context.beginPath();
      for (const i of indices) {
        const [x, y] = this.screen(i);
        if (x < -4 || y < -4 || x > size + 4 || y > size + 4) continue;
        context.rect(x - radius, y - radius, 2 * radius, 2 * radius);
      }
      context.fill();
    }
    context.lineWidth = 2;
    if (this.selected.size) {
      context.strokeStyle = '#1a1a1a';
      context.beginPath();
      this.points.forEach((p, i) => {
        if (!this.selected.has(p)) return;
        const [x, y] = this.screen(i);
        context.rect(x - radius - 1.5, y - radius - 1.5, 2 * radius + 3, 2 * radius + 3);
      });
      context.stroke();
    }
    if (this.focused) {
      const [x, y] = this.screen(this.points.indexOf(this.focused));
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
      canvas.style.cursor = i === null ? (this.mode === 'lasso' ? 'crosshair' : 'grab') : 'pointer';
      this.handlers.hover(i === null ? null : this.points[i], { x: event.pageX, y: event.pageY });
    });
    canvas.addEventListener('pointerleave', () => this.handlers.hover(null, { x: 0, y: 0 }));
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
    this.selected = new Set(path.length < 3 ? [] : this.points.filter((_, i) => insidePolygon(...this.screen(i), path)));
    this.draw();
    this.handlers.lasso([...this.selected]);
  }
}
