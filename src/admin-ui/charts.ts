/**
 * Charts drawn by hand as SVG (no chart library, nothing loaded from elsewhere). Bars or a line over a time axis,
 * the largest value and the first and last times as labels, a <title> per point for pointer users, and the figures
 * as the chart's accessible description for screen readers.
 */
const NS = "http://www.w3.org/2000/svg";
const W = 600;
const H = 180;
const PAD = { left: 48, right: 8, top: 12, bottom: 24 };

export interface Point {
  label: string;
  value: number | null;
  /** Drawn inside the bar in the alert colour (errors among requests). */
  part?: number;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const nice = (n: number) => {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  const m = n / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
};

const short = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : n >= 1 || n === 0 ? `${+n.toFixed(2)}` : n.toPrecision(2));

export function chart(opts: { title: string; points: Point[]; kind: "bar" | "line"; unit?: string; format?: (n: number) => string }): HTMLElement {
  const fmt = opts.format ?? short;
  const values = opts.points.map((p) => p.value ?? 0);
  const max = nice(Math.max(0, ...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const n = Math.max(1, opts.points.length);
  const x = (i: number) => PAD.left + (plotW * (i + 0.5)) / n;
  const y = (v: number) => PAD.top + plotH - (plotH * v) / max;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
  const titleId = `chart-${Math.random().toString(36).slice(2)}`;
  root.setAttribute("aria-labelledby", titleId);
  root.appendChild(svg("title", { id: titleId }, `${opts.title}: ${opts.points.map((p) => `${p.label} ${p.value === null ? "no data" : fmt(p.value)}`).join(", ")}`));
  // Grid: zero, half and the top value.
  for (const f of [0, 0.5, 1]) {
    const gy = y(max * f);
    root.appendChild(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: gy, y2: gy, class: "grid" }));
    root.appendChild(svg("text", { x: PAD.left - 6, y: gy + 4, class: "axis", "text-anchor": "end" }, fmt(max * f)));
  }
  if (opts.points.length) {
    root.appendChild(svg("text", { x: PAD.left, y: H - 6, class: "axis" }, opts.points[0]!.label));
    root.appendChild(svg("text", { x: W - PAD.right, y: H - 6, class: "axis", "text-anchor": "end" }, opts.points[opts.points.length - 1]!.label));
  }
  if (opts.kind === "bar") {
    const bw = Math.max(1, (plotW / n) * 0.8);
    opts.points.forEach((p, i) => {
      const v = p.value ?? 0;
      const g = svg("g", {});
      g.appendChild(svg("title", {}, `${p.label}: ${p.value === null ? "no data" : fmt(v)}${p.part ? ` (${fmt(p.part)} errors)` : ""}${opts.unit ? ` ${opts.unit}` : ""}`));
      g.appendChild(svg("rect", { x: x(i) - bw / 2, y: y(v), width: bw, height: Math.max(0, y(0) - y(v)), class: "bar" }));
      if (p.part) g.appendChild(svg("rect", { x: x(i) - bw / 2, y: y(p.part), width: bw, height: Math.max(0, y(0) - y(p.part)), class: "bar part" }));
      root.appendChild(g);
    });
  } else {
    let d = "";
    opts.points.forEach((p, i) => {
      if (p.value === null) return;
      d += `${d === "" || opts.points[i - 1]?.value === null ? "M" : "L"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    });
    if (d) root.appendChild(svg("path", { d, class: "line" }));
    opts.points.forEach((p, i) => {
      if (p.value === null) return;
      const c = svg("circle", { cx: x(i), cy: y(p.value), r: 2.5, class: "dot" });
      c.appendChild(svg("title", {}, `${p.label}: ${fmt(p.value)}${opts.unit ? ` ${opts.unit}` : ""}`));
      root.appendChild(c);
    });
  }
  const figure = document.createElement("figure");
  figure.className = "chart-box";
  const caption = document.createElement("figcaption");
  caption.textContent = opts.title;
  figure.append(caption, root);
  return figure;
}
