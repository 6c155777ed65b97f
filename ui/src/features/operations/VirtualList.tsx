import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { useLatest } from "../../lib/useLatest";

/** Without a measured height (no layout yet, or a test DOM), the list assumes this viewport. */
export const FALLBACK_VIEWPORT = 640;

interface Props {
  /** How many rows in all; only the visible ones (plus `overscan`) are in the DOM. */
  count: number;
  /** Every row has this height (px): simple windowing without measuring rows. */
  rowHeight: number;
  /** The highlighted row, kept in view; -1 for none. */
  selected: number;
  /** Renders row `index`; the list positions it. */
  renderRow: (index: number) => ReactNode;
  /** A stable key for row `index` (the task id, say). */
  rowKey: (index: number) => string;
  overscan?: number;
  className?: string;
  listRef?: RefObject<HTMLDivElement | null>;
  /** ARIA for the scrolling element (it is the listbox). */
  label: string;
  activeDescendant?: string | undefined;
  testId?: string;
  /** The rows rendered changed (`last` is one past the end): for lists that read their rows a window at a time. */
  onRangeChange?: ((first: number, last: number) => void) | undefined;
}

export interface Window {
  first: number;
  /** One past the last rendered row. */
  last: number;
}

/** The rows to render for a scroll position: the visible ones and `overscan` more each side. */
export function visibleWindow(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewport: number,
  overscan: number,
): Window {
  if (count <= 0) return { first: 0, last: 0 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { first: Math.min(first, count), last: Math.max(last, Math.min(first, count)) };
}

/**
 * A scrolling listbox that renders only the rows in view: fixed row height, absolutely placed
 * rows inside a spacer as tall as all of them. 100,000 rows cost what 20 do.
 */
export function VirtualList({
  count,
  rowHeight,
  selected,
  renderRow,
  rowKey,
  overscan = 4,
  className,
  listRef,
  label,
  activeDescendant,
  testId,
  onRangeChange,
}: Props) {
  const ownRef = useRef<HTMLDivElement>(null);
  const ref = listRef ?? ownRef;
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT);

  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setViewport(el.clientHeight > 0 ? el.clientHeight : FALLBACK_VIEWPORT);
    setScrollTop(el.scrollTop);
  }, [ref]);

  useLayoutEffect(() => {
    measure();
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => measure());
    observer.observe(el);
    return () => observer.disconnect();
  }, [measure, ref]);

  // Keep the highlighted row in view (it may be far outside the rendered window).
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || selected < 0 || selected >= count) return;
    const height = el.clientHeight > 0 ? el.clientHeight : viewport;
    const top = selected * rowHeight;
    const bottom = top + rowHeight;
    let next = el.scrollTop;
    if (top < next) next = top;
    else if (bottom > next + height) next = bottom - height;
    if (next !== el.scrollTop) el.scrollTop = next;
    setScrollTop(el.scrollTop);
  }, [selected, count, rowHeight, viewport, ref]);

  // A list that got shorter (tasks taken) must not leave the window past its end.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const max = Math.max(0, count * rowHeight - (el.clientHeight > 0 ? el.clientHeight : viewport));
    if (el.scrollTop > max) {
      el.scrollTop = max;
      setScrollTop(max);
    }
  }, [count, rowHeight, viewport, ref]);

  const { first, last } = visibleWindow(count, rowHeight, scrollTop, viewport, overscan);
  const rangeChanged = useLatest(onRangeChange);
  useEffect(() => {
    rangeChanged.current?.(first, last);
  }, [first, last, rangeChanged]);

  const rows: ReactNode[] = [];
  for (let index = first; index < last; index += 1) {
    rows.push(
      <div
        key={rowKey(index)}
        className="vlist-slot"
        role="presentation"
        style={{ position: "absolute", top: index * rowHeight, left: 0, right: 0, height: rowHeight }}
      >
        {renderRow(index)}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className={["vlist", className].filter(Boolean).join(" ")}
      role="listbox"
      aria-label={label}
      aria-activedescendant={activeDescendant}
      tabIndex={0}
      data-testid={testId}
      data-first={first}
      data-last={last}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="vlist-spacer" role="presentation" style={{ position: "relative", height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
