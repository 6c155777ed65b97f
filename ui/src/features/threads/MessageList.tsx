import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from "react";
import type { Message } from "../../bindings/Message";
import { formatClock } from "../../lib/format";
import { FALLBACK_VIEWPORT, scrollTo, useVirtualRows } from "../common/VirtualList";
import { deliveryLabel } from "./labels";

/** A message's height (px) until it has been measured (a short one: two lines of text). */
export const ESTIMATED_HEIGHT = 76;
/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 6;
/** This close to the end (px) counts as at the newest message (new ones are followed). */
const BOTTOM_SLACK = 32;

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
 * thread costs what 20 do), on the app's one virtualiser. Heights vary: rows are measured once
 * rendered, the rest estimated; the view stays on what it shows when rows above it turn out
 * taller or older messages load. It opens at the newest message and follows new ones while it is
 * there.
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
  const virtualizer = useVirtualRows({
    count,
    estimate: ESTIMATED_HEIGHT,
    rowKey: (index) => index,
    overscan: OVERSCAN,
    listRef,
    measured: true,
    openAtEnd: true,
    onRangeChange: onRange,
  });
  const total = virtualizer.getTotalSize();
  /** At the newest message: new ones (and taller rows) keep it in view. */
  const atBottom = useRef(true);
  const [away, setAway] = useState(false);
  /** A message being brought into view: kept there while rows around it are measured. */
  const target = useRef<number | null>(null);

  const viewHeight = useCallback(() => {
    const el = listRef.current;
    return el && el.clientHeight > 0 ? el.clientHeight : FALLBACK_VIEWPORT;
  }, [listRef]);

  const go = useCallback(
    (y: number) => {
      const el = listRef.current;
      if (!el) return;
      const next = Math.max(0, Math.min(y, total - viewHeight()));
      if (el.scrollTop !== next) scrollTo(next, null, virtualizer);
    },
    [listRef, total, viewHeight, virtualizer],
  );
  // Where a row starts, measured or estimated (not clamped by a scroll height jsdom lacks).
  const startOf = useCallback((index: number) => virtualizer.measurementsCache[index]?.start ?? index * ESTIMATED_HEIGHT, [virtualizer]);

  // Keep the newest message, or the one asked for, in view as messages come and heights become known.
  useLayoutEffect(() => {
    if (target.current !== null) go(startOf(target.current) - viewHeight() / 3);
    else if (atBottom.current) go(total);
  }, [count, total, go, startOf, viewHeight]);

  useLayoutEffect(() => {
    if (!jump) return;
    target.current = jump.index;
    atBottom.current = false;
    go(startOf(jump.index) - viewHeight() / 3);
    // Only for a new request.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jump?.seq]);

  const goToNewest = useCallback(() => {
    target.current = null;
    atBottom.current = true;
    setAway(false);
    go(total);
  }, [go, total]);

  useLayoutEffect(() => {
    if (toBottom > 0) goToNewest();
    // Only when asked again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [toBottom]);

  // The clinician scrolls: stop holding a cited message in place.
  const letGo = () => {
    target.current = null;
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div className="message-pane">
      <div
        ref={listRef}
        className="message-list"
        role="list"
        aria-label="Messages"
        tabIndex={0}
        data-testid="message-list"
        data-first={items[0]?.index ?? 0}
        data-last={items.length > 0 ? items[items.length - 1]!.index + 1 : 0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollTop + viewHeight() >= total - BOTTOM_SLACK;
          setAway(!atBottom.current);
        }}
        onWheel={letGo}
        onPointerDown={letGo}
        onKeyDown={letGo}
        onTouchStart={letGo}
      >
        <div className="message-spacer" role="presentation" style={{ position: "relative", height: total }}>
          {items.map((item) => {
            const index = item.index;
            const message = messageAt(index);
            return (
              <div
                key={item.key}
                ref={virtualizer.measureElement}
                className="message-row"
                role="listitem"
                aria-posinset={index + 1}
                aria-setsize={count}
                data-index={index}
                style={{ position: "absolute", top: item.start, left: 0, right: 0 }}
              >
                {index === firstUnread && (
                  <div className="unread-divider" role="separator" data-testid="unread-divider">
                    <span>New since you last read</span>
                  </div>
                )}
                {message ? (
                  <MessageBubble
                    message={message}
                    index={index}
                    author={authorOf(message)}
                    highlighted={index === highlighted}
                  />
                ) : (
                  <div className="message-loading" style={{ minHeight: ESTIMATED_HEIGHT - 8 }}>
                    Loading…
                  </div>
                )}
              </div>
            );
          })}
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
