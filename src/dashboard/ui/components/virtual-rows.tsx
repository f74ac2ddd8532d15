/**
 * A virtualized list of fixed-height rows: only the rows in view (plus a
 * margin) exist in the DOM, so 100k rows scroll like 100. The header stays
 * on top (sticky) and scrolls sideways with the rows.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';

export interface VirtualRowsProps {
  readonly count: number;
  readonly rowHeight: number;
  readonly height: number;
  readonly width: number;
  readonly header: ReactNode;
  readonly renderRow: (index: number) => ReactNode;
  /** Called with the first and one-past-last index in view (plus overscan). */
  readonly onRange: (start: number, end: number) => void;
  /** Changes when the rows are replaced (new sort or filter): scrolls back to the top. */
  readonly resetKey: string;
  /** Scrolls so that this row is near the top; `seq` makes a repeated request count. */
  readonly scrollTo?: { readonly index: number; readonly seq: number } | null;
}

const OVERSCAN = 12;

export function VirtualRows({ count, rowHeight, height, width, header, renderRow, onRange, resetKey, scrollTo }: VirtualRowsProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const bodyHeight = height - rowHeight;
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const end = Math.min(count, Math.ceil((scrollTop + bodyHeight) / rowHeight) + OVERSCAN);

  // biome-ignore lint/correctness/useExhaustiveDependencies: resetKey is the trigger
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [resetKey]);

  useEffect(() => {
    onRange(start, end);
  }, [start, end, onRange]);

  useEffect(() => {
    if (scrollTo == null || scroller.current === null) return;
    const top = Math.max(0, (scrollTo.index - 2) * rowHeight);
    scroller.current.scrollTop = top;
    setScrollTop(top);
  }, [scrollTo, rowHeight]);

  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    rows.push(
      <div key={i} className="vrow" role="row" aria-rowindex={i + 2} style={{ top: i * rowHeight, height: rowHeight, width }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={scroller} className="vscroll" role="table" aria-rowcount={count + 1} style={{ height }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div className="vhead" role="row" style={{ height: rowHeight, width }}>
        {header}
      </div>
      <div className="vbody" style={{ height: count * rowHeight, width }}>
        {rows}
      </div>
    </div>
  );
}
