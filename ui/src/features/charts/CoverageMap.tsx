import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { StateCoverage } from "../../bindings/StateCoverage";
import { LEVELS, coverageLevel, stateLabel } from "./coverageMap";
import { MAP_HEIGHT, MAP_WIDTH, loadStateShapes, type StateShape } from "./usStates";
import "./charts.css";

interface Props {
  rows: readonly StateCoverage[];
  /** The state whose table row is highlighted. */
  selected: string | null;
  onSelect: (state: string | null) => void;
}

/**
 * The United States coloured by each state's thinnest coverage (the table's data), with a
 * legend. One tab stop: arrows move through the states alphabetically, Home and End go to the
 * first and last, Enter or Space selects (highlighting the state's row), Escape clears.
 */
export function CoverageMap({ rows, selected, onSelect }: Props) {
  const [shapes, setShapes] = useState<StateShape[] | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const paths = useRef(new Map<string, SVGPathElement>());
  const byState = useMemo(() => new Map(rows.map((r) => [r.state, r])), [rows]);

  useEffect(() => {
    let current = true;
    loadStateShapes().then(
      (loaded) => current && setShapes(loaded),
      () => current && setShapes([]),
    );
    return () => {
      current = false;
    };
  }, []);

  if (shapes === null) return <div className="coverage-map is-loading" aria-hidden="true" />;
  if (shapes.length === 0) return null;

  const stop = selected ?? focused ?? shapes[0]!.code;

  function move(event: KeyboardEvent<SVGSVGElement>) {
    if (!shapes) return;
    const at = Math.max(
      0,
      shapes.findIndex((s) => s.code === stop),
    );
    let next: number | null = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = Math.min(at + 1, shapes.length - 1);
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = Math.max(at - 1, 0);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = shapes.length - 1;
    else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(stop === selected ? null : stop);
      return;
    } else if (event.key === "Escape" && selected !== null) {
      event.preventDefault();
      event.stopPropagation();
      onSelect(null);
      return;
    }
    if (next === null) return;
    event.preventDefault();
    const code = shapes[next]!.code;
    setFocused(code);
    if (selected !== null) onSelect(code);
    paths.current.get(code)?.focus();
  }

  const counts = new Map<string, number>();
  for (const s of shapes) {
    const level = coverageLevel(byState.get(s.code));
    counts.set(level, (counts.get(level) ?? 0) + 1);
  }

  return (
    <figure className="coverage-map" data-testid="coverage-map">
      <svg
        viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`}
        role="group"
        aria-label="Map of coverage by state: arrow keys move between states, Enter shows a state's row"
        onKeyDown={move}
      >
        {shapes.map((s) => {
          const row = byState.get(s.code);
          const level = coverageLevel(row);
          const label = stateLabel(s.name, row);
          const isSelected = s.code === selected;
          return (
            <path
              key={s.code}
              ref={(el) => {
                if (el) paths.current.set(s.code, el);
                else paths.current.delete(s.code);
              }}
              d={s.d}
              className={`map-state level-${level}${isSelected ? " is-selected" : ""}`}
              data-state={s.code}
              data-level={level}
              data-testid="map-state"
              role="button"
              aria-label={label}
              aria-pressed={isSelected}
              tabIndex={s.code === stop ? 0 : -1}
              onFocus={() => setFocused(s.code)}
              onClick={() => onSelect(isSelected ? null : s.code)}
            >
              <title>{label}</title>
            </path>
          );
        })}
      </svg>
      <figcaption>
        <ul className="map-legend" aria-label="Legend">
          {LEVELS.map(({ level, label }) => (
            <li key={level}>
              <span className={`map-swatch level-${level}`} aria-hidden="true" />
              {label}
              <span className="muted"> · {counts.get(level) ?? 0}</span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
