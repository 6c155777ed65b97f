import { observeElementRect, useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useRef, type ReactNode, type RefObject } from "react";
import { useLatest } from "../../lib/useLatest";

/** Without a measured height (no layout yet, or a test DOM), the list assumes this viewport. */
export const FALLBACK_VIEWPORT = 640;

export type Scroller = Virtualizer<HTMLDivElement, Element>;

/** The viewport's size; FALLBACK_VIEWPORT tall while the element has none (jsdom, before layout). */
function observeRect(instance: Scroller, cb: (rect: { width: number; height: number }) => void) {
  return observeElementRect(instance, (rect) => cb({ width: rect.width, height: rect.height || FALLBACK_VIEWPORT }));
}

/** Scrolls by setting scrollTop (and says so), which every DOM has. */
export function scrollTo(offset: number, _options: unknown, instance: Scroller) {
  const el = instance.scrollElement;
  if (!el) return;
  el.scrollTop = offset;
  el.dispatchEvent(new Event("scroll"));
}

export interface VirtualRows {
  virtualizer: Scroller;
}

interface Options {
  count: number;
  /** A row's height (px): exact for fixed rows, the first guess for measured ones. */
  estimate: number;
  rowKey: (index: number) => string | number;
  overscan: number;
  listRef: RefObject<HTMLDivElement | null>;
  /** Rows vary in height: measured once rendered; the view stays on the row it shows. */
  measured?: boolean;
  /** Opens at the end (a thread's newest message). */
  openAtEnd?: boolean;
  /** The rows rendered changed (`last` is one past the end). */
  onRangeChange?: ((first: number, last: number) => void) | undefined;
}

/**
 * The one virtualiser of the app (TanStack Virtual): only the rows in view, and `overscan` more
 * each side, are in the DOM. jsdom has no layout: a list without a height counts as
 * FALLBACK_VIEWPORT tall, and scrolling sets scrollTop (tests scroll the same way).
 */
export function useVirtualRows({
  count,
  estimate,
  rowKey,
  overscan,
  listRef,
  measured = false,
  openAtEnd = false,
  onRangeChange,
}: Options): Scroller {
  // The virtualiser is a mutable object by design (its methods read the live scroll state); we
  // do not use the React Compiler, so nothing memoises what it returns.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer<HTMLDivElement, Element>({
    count,
    getScrollElement: () => listRef.current,
    estimateSize: () => estimate,
    getItemKey: rowKey,
    overscan,
    initialRect: { width: 0, height: FALLBACK_VIEWPORT },
    initialOffset: openAtEnd ? Math.max(0, count * estimate - FALLBACK_VIEWPORT) : 0,
    observeElementRect: observeRect,
    scrollToFn: scrollTo,
    // Rows above the view that turn out taller move it by as much (TanStack's own adjustment).
    measureElement: measured ? (el) => (el as HTMLElement).offsetHeight || estimate : undefined,
  });

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.length > 0 ? items[items.length - 1]!.index + 1 : 0;
  const rangeChanged = useLatest(onRangeChange);
  useEffect(() => {
    rangeChanged.current?.(first, last);
  }, [first, last, rangeChanged]);
  return virtualizer;
}

interface Props {
  /** How many rows in all; only the visible ones (plus `overscan`) are in the DOM. */
  count: number;
  /** Every row has this height (px): no measuring. */
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
  /** The rows rendered changed (`last` is one past the end): for lists that read their rows a page at a time. */
  onRangeChange?: ((first: number, last: number) => void) | undefined;
}

/** A scrolling listbox of fixed-height rows, worked by keyboard (queues, the inbox). */
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
  const virtualizer = useVirtualRows({ count, estimate: rowHeight, rowKey, overscan, listRef: ref, onRangeChange });

  // Keep the highlighted row in view (it may be far outside the rendered window).
  useLayoutEffect(() => {
    if (selected < 0 || selected >= count) return;
    const el = ref.current;
    if (!el) return;
    const height = el.clientHeight > 0 ? el.clientHeight : FALLBACK_VIEWPORT;
    const top = selected * rowHeight;
    let next = el.scrollTop;
    if (top < next) next = top;
    else if (top + rowHeight > next + height) next = top + rowHeight - height;
    if (next !== el.scrollTop) scrollTo(next, null, virtualizer);
  }, [selected, count, rowHeight, ref, virtualizer]);

  // A list that got shorter (tasks taken) must not leave the window past its end.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const max = Math.max(0, count * rowHeight - (el.clientHeight > 0 ? el.clientHeight : FALLBACK_VIEWPORT));
    if (el.scrollTop > max) scrollTo(max, null, virtualizer);
  }, [count, rowHeight, ref, virtualizer]);

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={ref}
      className={["vlist", className].filter(Boolean).join(" ")}
      role="listbox"
      aria-label={label}
      aria-activedescendant={activeDescendant}
      tabIndex={0}
      data-testid={testId}
      data-first={items[0]?.index ?? 0}
      data-last={items.length > 0 ? items[items.length - 1]!.index + 1 : 0}
    >
      <div
        className="vlist-spacer"
        role="presentation"
        style={{ position: "relative", height: virtualizer.getTotalSize() }}
      >
        {items.map((item) => (
          <div
            key={item.key}
            className="vlist-slot"
            role="presentation"
            style={{ position: "absolute", top: item.start, left: 0, right: 0, height: rowHeight }}
          >
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
