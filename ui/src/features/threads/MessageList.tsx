import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";
import type { Message } from "../../bindings/Message";
import { formatClock } from "../../lib/format";
import { useLatest } from "../../lib/useLatest";
import { FALLBACK_VIEWPORT } from "../common/VirtualList";
import { deliveryLabel } from "./labels";

/** A message's height (px) until it has been measured (a short one: two lines of text). */
export const ESTIMATED_HEIGHT = 76;
/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 6;
/** This close to the end (px) counts as at the newest message (new ones are followed). */
const BOTTOM_SLACK = 32;

/** Where each row starts; the last entry is where the list ends. Unmeasured rows count at `estimate`. */
export function rowTops(count: number, heights: ReadonlyMap<number, number>, estimate: number): Float64Array {
  const tops = new Float64Array(count + 1);
  for (let i = 0; i < count; i += 1) tops[i + 1] = tops[i]! + (heights.get(i) ?? estimate);
  return tops;
}

/** The rows to render for a scroll position: those in view and `overscan` more each side. */
export function rowsInView(
  tops: Float64Array,
  scrollTop: number,
  viewport: number,
  overscan: number,
): { first: number; last: number } {
  const count = tops.length - 1;
  if (count <= 0) return { first: 0, last: 0 };
  // The first row ending below the top of the view…
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid + 1]! > scrollTop) hi = mid;
    else lo = mid + 1;
  }
  // …and the first row starting below its bottom.
  const end = scrollTop + viewport;
  let a = lo;
  let b = count;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (tops[mid]! >= end) b = mid;
    else a = mid + 1;
  }
  return { first: Math.max(0, lo - overscan), last: Math.min(count, Math.max(a, lo + 1) + overscan) };
}

interface Props {
  count: number;
  messageAt: (index: number) => Message | undefined;
  /** The rows rendered changed (`last` is one past the end): read the messages missing there. */
  onRange: (first: number, last: number) => void;
  /** Where the "new since you last read" line goes. */
  firstUnread: number | null;
  /** A message shown for a moment (a citation followed). */
  highlighted: number | null;
  /** Bring this message into view; each request has a new `seq`. */
  jump: { index: number; seq: number } | null;
  /** Bumped to go to the newest message (after a reply). */
  toBottom: number;
  authorOf: (message: Message) => string;
  listRef: RefObject<HTMLDivElement | null>;
}

/**
 * A thread's messages, oldest at the top, rendered only where they are in view (a 10,000-message
 * thread costs what 20 do). Heights vary: rows are measured once rendered, the rest estimated;
 * the view stays put when rows above it turn out taller. It opens at the newest message and
 * follows new ones while it is there.
 */
export function MessageList({
  count,
  messageAt,
  onRange,
  firstUnread,
  highlighted,
  jump,
  toBottom,
  authorOf,
  listRef,
}: Props) {
  const heights = useRef(new Map<number, number>());
  const [measured, setMeasured] = useState(0);
  const tops = useMemo(() => rowTops(count, heights.current, ESTIMATED_HEIGHT), [count, measured]);
  const total = tops[count] ?? 0;
  // It opens at the newest message: the first rows asked for are the last ones.
  const [scrollTop, setScrollTop] = useState(() => Math.max(0, count * ESTIMATED_HEIGHT - FALLBACK_VIEWPORT));
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT);
  const rowEls = useRef(new Map<number, HTMLDivElement>());
  /** At the newest message: new ones (and taller rows) keep it in view. */
  const atBottom = useRef(true);
  const [away, setAway] = useState(false);
  /** A message being brought into view: kept there while rows around it are measured. */
  const target = useRef<number | null>(null);

  const viewHeight = useCallback(() => {
    const el = listRef.current;
    return el && el.clientHeight > 0 ? el.clientHeight : viewport;
  }, [listRef, viewport]);

  const scrollTo = useCallback(
    (y: number) => {
      const el = listRef.current;
      if (!el) return;
      const next = Math.max(0, Math.min(y, total - viewHeight()));
      if (el.scrollTop !== next) el.scrollTop = next;
      setScrollTop(next);
    },
    [listRef, total, viewHeight],
  );

  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight > 0 ? el.clientHeight : FALLBACK_VIEWPORT);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [listRef]);

  // Rows just rendered: their real heights. Rows above the view that changed move it by as much,
  // so what the clinician reads does not jump.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    let shift = 0;
    let changed = false;
    for (const [index, row] of rowEls.current) {
      const height = row.offsetHeight;
      if (height <= 0 || index >= count) continue;
      const before = heights.current.get(index) ?? ESTIMATED_HEIGHT;
      if (Math.abs(height - before) < 1) continue;
      heights.current.set(index, height);
      changed = true;
      if ((tops[index] ?? 0) < el.scrollTop) shift += height - before;
    }
    if (!changed) return;
    if (!atBottom.current && target.current === null && shift !== 0) el.scrollTop += shift;
    setMeasured((n) => n + 1);
  });

  // Keep the newest message, or the one asked for, in view as heights become known.
  useLayoutEffect(() => {
    if (target.current !== null) scrollTo((tops[target.current] ?? 0) - viewHeight() / 3);
    else if (atBottom.current) scrollTo(total);
  }, [tops, total, scrollTo, viewHeight]);

  useLayoutEffect(() => {
    if (!jump) return;
    target.current = jump.index;
    atBottom.current = false;
    scrollTo((tops[jump.index] ?? 0) - viewHeight() / 3);
    // Only for a new request.
  }, [jump?.seq]);

  const goToNewest = useCallback(() => {
    target.current = null;
    atBottom.current = true;
    setAway(false);
    scrollTo(total);
  }, [scrollTo, total]);

  useLayoutEffect(() => {
    if (toBottom > 0) goToNewest();
  }, [toBottom]);

  const { first, last } = rowsInView(tops, scrollTop, viewport, OVERSCAN);
  const rangeChanged = useLatest(onRange);
  useEffect(() => {
    rangeChanged.current(first, last);
  }, [first, last, rangeChanged]);

  // The clinician scrolls: stop holding a cited message in place.
  const letGo = () => {
    target.current = null;
  };

  const rows: ReactNode[] = [];
  for (let index = first; index < last; index += 1) {
    const message = messageAt(index);
    rows.push(
      <div
        key={index}
        ref={(el) => {
          if (el) rowEls.current.set(index, el);
          else rowEls.current.delete(index);
        }}
        className="message-row"
        role="listitem"
        aria-posinset={index + 1}
        aria-setsize={count}
        data-index={index}
        style={{ position: "absolute", top: tops[index], left: 0, right: 0 }}
      >
        {index === firstUnread && (
          <div className="unread-divider" role="separator" data-testid="unread-divider">
            <span>New since you last read</span>
          </div>
        )}
        {message ? (
          <MessageBubble message={message} index={index} author={authorOf(message)} highlighted={index === highlighted} />
        ) : (
          <div className="message-loading" style={{ minHeight: ESTIMATED_HEIGHT - 8 }}>
            Loading…
          </div>
        )}
      </div>,
    );
  }

  return (
    <div className="message-pane">
      <div
        ref={listRef}
        className="message-list"
        role="list"
        aria-label="Messages"
        tabIndex={0}
        data-testid="message-list"
        data-first={first}
        data-last={last}
        onScroll={(e) => {
          const el = e.currentTarget;
          setScrollTop(el.scrollTop);
          atBottom.current = el.scrollTop + viewHeight() >= total - BOTTOM_SLACK;
          setAway(!atBottom.current);
        }}
        onWheel={letGo}
        onPointerDown={letGo}
        onKeyDown={letGo}
        onTouchStart={letGo}
      >
        <div className="message-spacer" role="presentation" style={{ position: "relative", height: total }}>
          {rows}
        </div>
      </div>
      {away && (
        <button type="button" className="button button-quiet button-small jump-newest" onClick={goToNewest}>
          Newest messages ↓
        </button>
      )}
    </div>
  );
}

interface BubbleProps {
  message: Message;
  index: number;
  author: string;
  highlighted: boolean;
}

function MessageBubble({ message, index, author, highlighted }: BubbleProps) {
  const outbound = message.direction === "outbound";
  const when = formatClock(message.sent_at) ?? message.sent_at;
  return (
    <div
      className={["message", outbound ? "message-outbound" : "message-inbound", highlighted ? "is-highlighted" : ""]
        .join(" ")
        .trim()}
      data-testid="message"
      data-message={message.id}
      data-index={index}
      data-direction={message.direction}
      data-highlighted={highlighted ? "true" : undefined}
    >
      <p className="message-meta">
        <span className="message-author">{author}</span>
        <time dateTime={message.sent_at}>{when}</time>
        {outbound && message.delivery && (
          <span className={`delivery delivery-${message.delivery}`} data-testid="delivery">
            {deliveryLabel(message.delivery)}
          </span>
        )}
      </p>
      <p className="message-body">{message.body}</p>
    </div>
  );
}
