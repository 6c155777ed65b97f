import { useEffect, useRef, useState } from "react";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { StateCoverage } from "../../bindings/StateCoverage";
import { formatMoment } from "../../lib/format";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { coverage, type IpcError } from "../../lib/ipc";
import { useShortcutKeys } from "../../lib/useShortcutKeys";
import { actionOf, KEYMAP } from "../../lib/keymap";
import { KeyHints } from "../help/KeyHints";
import { CoverageMap } from "../charts/CoverageMap";
import { OfflineNotice, ReadFailed } from "../common/Notices";
import { Segmented, type SegmentOption } from "../common/Segmented";
import { useOnline } from "../sync/useOnline";
import { isUncovered, loadLabel, sortCoverage, type CoverageSort } from "./coverage";
import "./coverage.css";

const SORTS: readonly SegmentOption<CoverageSort>[] = [
  { value: "thinnest", label: "Thinnest coverage" },
  { value: "overdue", label: "Most overdue" },
  { value: "state", label: "State" },
];

interface Props {
  session: SessionInfo;
  onError?: ((error: IpcError) => void) | undefined;
}

type Load =
  | { kind: "loading" }
  | { kind: "offline" }
  | { kind: "failed"; error: IpcError }
  | { kind: "loaded"; rows: StateCoverage[]; at: Date };

/** Clinicians on duty and work waiting, state by state, across the organisation (from the server). */
export function CoverageScreen({ session, onError }: Props) {
  const online = useOnline(session);
  const [sort, setSort] = useState<CoverageSort>("thinnest");
  /** The state picked on the map: its row is highlighted. */
  const [selected, setSelected] = useState<string | null>(null);
  const tableRef = useRef<HTMLTableElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Online only: offline (or when the server stops answering) a calm note instead.
  const query = useRead(queryKeys.coverage(), coverage, { enabled: online, onError });
  const refresh = () => {
    if (online) void query.refetch();
  };
  const load: Load =
    !online || query.error?.code === "server_unreachable"
      ? { kind: "offline" }
      : query.error
        ? { kind: "failed", error: query.error }
        : query.data
          ? { kind: "loaded", rows: query.data, at: new Date(query.dataUpdatedAt) }
          : { kind: "loading" };

  useEffect(() => {
    headingRef.current?.focus({ preventScroll: true });
  }, []);

  // The state picked on the map: its row comes into view.
  useEffect(() => {
    if (selected === null) return;
    tableRef.current?.querySelector(`tr[data-state="${selected}"]`)?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  useShortcutKeys((event) => {
    const action = actionOf("coverage", event);
    if (action === "refresh") {
      refresh();
      return true;
    }
    if (action === "sort") {
      const at = SORTS.findIndex((o) => o.value === sort);
      setSort(SORTS[(at + 1) % SORTS.length]!.value);
      return true;
    }
    return false;
  });

  const rows = load.kind === "loaded" ? sortCoverage(load.rows, sort) : [];
  const uncovered = rows.filter(isUncovered);

  return (
    <div className="ops-screen coverage" data-testid="coverage-screen">
      <header className="ops-header">
        <h1 className="ops-title" ref={headingRef} tabIndex={-1}>
          Coverage by state
        </h1>
        {load.kind === "loaded" && <Segmented label="Sort by" options={SORTS} value={sort} onChange={setSort} />}
        <span className="topbar-spacer" />
        {load.kind === "loaded" && (
          <span className="muted coverage-at">As of {formatMoment(load.at.toISOString(), load.at)}</span>
        )}
        {online && (
          <button type="button" className="button button-quiet button-small" onClick={refresh}>
            Refresh <kbd>r</kbd>
          </button>
        )}
      </header>

      {load.kind === "offline" && (
        <OfflineNotice title="Coverage needs the server" testId="coverage-offline">
          It counts clinicians and waiting work across the whole organisation, so it shows again as soon as Rounds is
          back online. Queues and the directory keep working from this device.
        </OfflineNotice>
      )}
      {load.kind === "loading" && <p className="muted">Asking the server…</p>}
      {load.kind === "failed" && (
        <ReadFailed what="Coverage" message={load.error.message} onRetry={refresh} />
      )}

      {load.kind === "loaded" && (
        <>
          <p
            className={uncovered.length > 0 ? "coverage-summary has-gaps" : "coverage-summary"}
            role="status"
            data-testid="coverage-summary"
          >
            {uncovered.length === 0
              ? "Every state with work waiting has a licensed clinician on duty."
              : `${uncovered.length === 1 ? "1 state has" : `${uncovered.length} states have`} work waiting and nobody on duty: ${uncovered.map((r) => r.state).join(", ")}.`}
          </p>
          {rows.length === 0 ? (
            <p className="muted">No licenses or waiting work in any state yet.</p>
          ) : (
            <div className="coverage-layout">
              <CoverageMap rows={load.rows} selected={selected} onSelect={setSelected} />
              <div className="ops-table-wrap">
                <table className="ops-table coverage-table" data-testid="coverage-table" ref={tableRef}>
                  <thead>
                    <tr>
                      <th scope="col">State</th>
                      <th scope="col" className="num">
                        Licensed clinicians
                      </th>
                      <th scope="col" className="num">
                        On duty
                      </th>
                      <th scope="col" className="num">
                        Tasks waiting
                      </th>
                      <th scope="col" className="num">
                        Waiting per clinician on duty
                      </th>
                      <th scope="col" className="num">
                        Overdue
                      </th>
                      <th scope="col">Oldest due</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => {
                      const gap = isUncovered(row);
                      const per = loadLabel(row);
                      const oldest = row.oldest_due ? formatMoment(row.oldest_due) : null;
                      const late = row.oldest_due !== null && new Date(row.oldest_due).getTime() < Date.now();
                      return (
                        <tr
                          key={row.state}
                          data-testid="coverage-row"
                          data-state={row.state}
                          className={[gap && "coverage-gap", row.state === selected && "is-selected"].filter(Boolean).join(" ") || undefined}
                          onClick={() => setSelected(row.state === selected ? null : row.state)}
                        >
                          <th scope="row">{row.state}</th>
                          <td className="num">{Number(row.licensed).toLocaleString("en-US")}</td>
                          <td className="num">{Number(row.on_duty).toLocaleString("en-US")}</td>
                          <td className="num">{Number(row.waiting).toLocaleString("en-US")}</td>
                          <td className="num">{per ?? <span className="coverage-nobody">Nobody on duty</span>}</td>
                          <td className={Number(row.overdue) > 0 ? "num is-overdue" : "num"}>
                            {Number(row.overdue).toLocaleString("en-US")}
                          </td>
                          <td className={late ? "is-overdue" : undefined}>{oldest ?? "—"}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </div>
          )}
        </>
      )}

      <KeyHints
        shortcuts={[
          KEYMAP.coverage.shortcuts.sort,
          KEYMAP.coverage.shortcuts.refresh,
          KEYMAP.anywhere.shortcuts.queues,
          KEYMAP.anywhere.shortcuts.patients,
          KEYMAP.anywhere.shortcuts.help,
        ]}
      />
    </div>
  );
}
