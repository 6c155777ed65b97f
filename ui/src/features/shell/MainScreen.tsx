import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Page } from "../../bindings/Page";
import type { Patient } from "../../bindings/Patient";
import type { QueueFilter } from "../../bindings/QueueFilter";
import type { QueueSort } from "../../bindings/QueueSort";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { syncNow, toIpcError, type IpcError } from "../../lib/ipc";
import { isPlainShortcut } from "../../lib/keyboard";
import { KEYMAP, matches } from "../../lib/keymap";
import { useShortcutKeys } from "../../lib/useShortcutKeys";
import { useLatest } from "../../lib/useLatest";
import { AuditScreen } from "../admin/AuditScreen";
import { ChartingScreen } from "../charting/ChartingScreen";
import { ShortcutHelp } from "../help/ShortcutHelp";
import { openEncounter, type OpenedChart } from "../charting/open";
import { CoverageScreen } from "../operations/CoverageScreen";
import { DirectoryScreen } from "../operations/DirectoryScreen";
import { QueuesScreen } from "../operations/QueuesScreen";
import { defaultQueue } from "../operations/tasks";
import { BreakGlass } from "../patients/BreakGlass";
import { PatientPanel, type OpenRequest } from "../patients/PatientPanel";
import { PatientSearch } from "../patients/PatientSearch";
import { SyncProvider } from "../sync/SyncContext";
import { InboxScreen, type InboxSelection } from "../threads/InboxScreen";
import { DEFAULT_INBOX, type InboxChoice } from "../threads/labels";
import { ThreadScreen } from "../threads/ThreadScreen";
import type { ChartPlace, Place } from "./place";
import { TopBar } from "./TopBar";
import { helpScopes, useGoKeys, viewsFor, type View } from "./views";

interface Props {
  session: SessionInfo;
  onSignOut: () => Promise<void>;
  /** Reconnect signed in again. */
  onSessionChanged: (session: SessionInfo) => void;
  /** Any call failed because the core no longer has a session. */
  onSessionEnded: () => void;
  /** Signed in, but the organisation requires two-step sign-in this account has not set up. */
  secondFactorNeeded?: boolean;
  /** Lock now (the top bar's Lock button; Ctrl+L is handled by the app). */
  onLock?: (() => void) | undefined;
  /** Where to open: the place the clinician was when Rounds locked. */
  initialPlace?: Place | null | undefined;
  /** Where the clinician is now, on every change (kept by the app across a lock). */
  onPlace?: ((place: Place) => void) | undefined;
}

export function MainScreen({
  session,
  onSignOut,
  onSessionChanged,
  onSessionEnded,
  secondFactorNeeded = false,
  onLock,
  initialPlace = null,
  onPlace,
}: Props) {
  const searchRef = useRef<HTMLInputElement>(null);
  const [openRequest, setOpenRequest] = useState<OpenRequest | null>(() =>
    initialPlace?.patientId ? { id: initialPlace.patientId, seq: 0 } : null,
  );
  const [edited, setEdited] = useState<Patient | null>(null);
  const seq = useRef(0);
  // The charting screen covers the workspace, which stays mounted (search and edits kept).
  const [chart, setChart] = useState<OpenedChart | null>(null);
  // The page shown in the chart, by encounter (the charting screen reports it).
  const [chartPage, setChartPage] = useState<{ encounterId: string; page: Page } | null>(null);
  // Back from a lock: the visit that was being charted, until it is open again.
  const [reopening, setReopening] = useState<ChartPlace | null>(initialPlace?.chart ?? null);
  const reopen = useRef(reopening);
  const covered = chart !== null || reopening !== null;
  const charting = useLatest(covered);
  const returnFocus = useRef<HTMLElement | null>(null);
  // The main area: the patient list by default, or one of the operations screens.
  const [view, setView] = useState<View>(initialPlace?.view ?? "patients");
  const viewRef = useLatest(view);
  const directoryFilterRef = useRef<HTMLInputElement>(null);
  const auditSubjectRef = useRef<HTMLInputElement>(null);
  // Some screens are for some roles only (the audit trail: administrators).
  const roles = session.practitioner.roles;
  const views = useMemo(() => viewsFor(roles), [roles]);
  const allowed = views.some((v) => v.view === view);
  // The queue screen's choices outlive it (open a patient from the queue, come back to the same queue).
  const [queue, setQueue] = useState<QueueFilter>(() => initialPlace?.queue ?? defaultQueue(session));
  const [queueSort, setQueueSort] = useState<QueueSort>(initialPlace?.queueSort ?? "due");
  // The inbox's choices and highlight outlive it (open a thread, chart it, come back to the same row).
  const [inboxChoice, setInboxChoice] = useState<InboxChoice>(initialPlace?.inboxChoice ?? DEFAULT_INBOX);
  const [inboxSelection, setInboxSelection] = useState<InboxSelection>(
    initialPlace?.inboxSelection ?? { id: null, index: 0 },
  );
  const inboxFilterRef = useRef<HTMLInputElement>(null);
  // The thread open over the inbox; it stays open under a chart started from it.
  const [thread, setThread] = useState<string | null>(initialPlace?.thread ?? null);
  // Replies being written, by thread: leaving a thread never throws typing away.
  const [replyDrafts, setReplyDrafts] = useState<Readonly<Record<string, string>>>(initialPlace?.replyDrafts ?? {});
  // Until two-step sign-in is set up, the server refuses everything else: the top bar offers the setup.
  const [mustEnrol, setMustEnrol] = useState(secondFactorNeeded);
  // Emergency access open, with the MRN it starts from (what was searched for, when it looks like one).
  const [breakGlass, setBreakGlass] = useState<{ mrn: string } | null>(null);

  const focusSearch = useCallback(() => {
    searchRef.current?.focus();
    searchRef.current?.select();
  }, []);

  const go = useCallback(
    (next: View) => {
      setView(next);
      // Going to a screen leaves any open thread (g i from a thread: the inbox list).
      setThread(null);
      // The search box is there again once the workspace shows.
      if (next === "patients") requestAnimationFrame(focusSearch);
    },
    [focusSearch],
  );
  useGoKeys(views, go, !covered);

  // Signed in again without the role a screen needs: back to the patients.
  useEffect(() => {
    if (!allowed) setView("patients");
  }, [allowed]);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (charting.current || !matches(KEYMAP.anywhere.shortcuts.find, event) || !isPlainShortcut(event)) return;
      if (viewRef.current === "inbox") {
        // The inbox list: its filters. An open thread uses "/" for its reply box.
        if (!inboxFilterRef.current) return;
        event.preventDefault();
        inboxFilterRef.current.focus();
        return;
      }
      event.preventDefault();
      if (viewRef.current === "directory") {
        directoryFilterRef.current?.focus();
        directoryFilterRef.current?.select();
      } else if (viewRef.current === "audit") {
        auditSubjectRef.current?.focus();
        auditSubjectRef.current?.select();
      } else if (viewRef.current === "patients") {
        focusSearch();
      } else {
        go("patients");
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [charting, viewRef, focusSearch, go]);

  const handleOpen = useCallback((id: string) => {
    seq.current += 1;
    setOpenRequest({ id, seq: seq.current });
  }, []);

  const openFromQueue = useCallback(
    (patientId: string) => {
      handleOpen(patientId);
      setView("patients");
    },
    [handleOpen],
  );

  const openChart = useCallback((opened: OpenedChart) => {
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    reopen.current = null;
    setReopening(null);
    setChart(opened);
  }, []);

  const closeChart = useCallback(() => {
    setChart(null);
    setChartPage(null);
    // Back where the clinician was (the New visit button, say) once the workspace shows again.
    requestAnimationFrame(() => {
      const target = returnFocus.current;
      if (target?.isConnected && target !== document.body) target.focus();
      else document.querySelector<HTMLElement>('[data-testid="new-visit"]')?.focus();
    });
  }, []);

  const closeThread = useCallback(() => setThread(null), []);

  const openBreakGlass = useCallback((query: string) => {
    setBreakGlass({ mrn: /^\d+$/.test(query) ? query : "" });
  }, []);
  const closeBreakGlass = useCallback(() => setBreakGlass(null), []);

  const setReplyDraft = useCallback(
    (text: string) => {
      if (!thread) return;
      setReplyDrafts((all) => {
        const next = { ...all };
        if (text) next[thread] = text;
        else delete next[thread];
        return next;
      });
    },
    [thread],
  );

  const handleError = useCallback(
    (error: IpcError) => {
      if (error.code === "not_signed_in") onSessionEnded();
      if (error.code === "second_factor_enrollment_required") setMustEnrol(true);
    },
    [onSessionEnded],
  );

  // Back from a lock while charting: the visit opens again at the same page, its draft read
  // again from the core (every change was autosaved there, or refused as locked and held until
  // the visit opens again: see lib/heldWork).
  useEffect(() => {
    const wanted = reopen.current;
    if (!wanted) return;
    let current = true;
    openEncounter(wanted.encounterId, { readOnly: wanted.readOnly, authorName: wanted.authorName }).then(
      (opened) => {
        if (!current || reopen.current !== wanted) return;
        reopen.current = null;
        setReopening(null);
        setChart({ ...opened, page: wanted.page });
      },
      (caught: unknown) => {
        if (!current || reopen.current !== wanted) return;
        // The visit cannot be opened now (gone, or the session ended): the screen under it shows.
        reopen.current = null;
        setReopening(null);
        handleError(toIpcError(caught));
      },
    );
    return () => {
      current = false;
    };
  }, [handleError]);

  const handleChartPage = useCallback((encounterId: string, page: Page) => setChartPage({ encounterId, page }), []);

  // Where the clinician is, for the app to keep across a lock.
  const chartPlace: ChartPlace | null = useMemo(() => {
    if (!chart) return reopening;
    const encounterId = chart.view.encounter.id;
    return {
      encounterId,
      readOnly: chart.readOnly,
      authorName: chart.authorName,
      page: chartPage?.encounterId === encounterId ? chartPage.page : chart.page,
    };
  }, [chart, chartPage, reopening]);
  const place: Place = useMemo(
    () => ({
      view,
      patientId: openRequest?.id ?? null,
      thread,
      chart: chartPlace,
      queue,
      queueSort,
      inboxChoice,
      inboxSelection,
      replyDrafts,
    }),
    [view, openRequest, thread, chartPlace, queue, queueSort, inboxChoice, inboxSelection, replyDrafts],
  );
  const latestPlace = useLatest(place);
  const onPlaceRef = useLatest(onPlace);
  useEffect(() => {
    onPlaceRef.current?.(place);
  }, [place, onPlaceRef]);

  // The inbox says where its highlight was as it goes away, also when the lock takes the screen.
  const leaveInbox = useCallback(
    (selection: InboxSelection) => {
      setInboxSelection(selection);
      latestPlace.current = { ...latestPlace.current, inboxSelection: selection };
      onPlaceRef.current?.(latestPlace.current);
    },
    [latestPlace, onPlaceRef],
  );

  // "?": every shortcut, the screen's own first.
  const [help, setHelp] = useState(false);
  useShortcutKeys((event) => {
    if (!matches(KEYMAP.anywhere.shortcuts.help, event)) return false;
    setHelp(true);
    return true;
  });

  const handleSecondFactorOn = useCallback(() => {
    setMustEnrol(false);
    // The server answers again: download now rather than at the next background round.
    syncNow().catch(() => {
      // The background sync tries again by itself.
    });
  }, []);

  return (
    <SyncProvider onError={handleError}>
      <div className={mustEnrol ? "main-layout has-banner" : "main-layout"}>
        <TopBar
          session={session}
          views={views}
          view={covered ? null : view}
          onView={go}
          onSignOut={onSignOut}
          onLock={onLock}
          onSessionChanged={onSessionChanged}
          onPatientEdited={setEdited}
          onError={handleError}
          secondFactorNeeded={mustEnrol}
          onSecondFactorOn={handleSecondFactorOn}
          onHelp={() => setHelp(true)}
        />
        {chart && (
          <ChartingScreen
            session={session}
            opened={chart}
            onClose={closeChart}
            onError={handleError}
            onPage={handleChartPage}
          />
        )}
        {!chart && reopening && (
          <main className="ops-pane">
            <p className="muted reopening" role="status">
              Opening the visit again…
            </p>
          </main>
        )}
        {!covered && view === "inbox" && (
          <main className="ops-pane">
            {thread ? (
              <ThreadScreen
                key={thread}
                session={session}
                threadId={thread}
                draft={replyDrafts[thread] ?? ""}
                onDraft={setReplyDraft}
                onBack={closeThread}
                onOpenChart={openChart}
                onError={handleError}
              />
            ) : (
              <InboxScreen
                session={session}
                choice={inboxChoice}
                onChoice={setInboxChoice}
                selection={inboxSelection}
                onLeave={leaveInbox}
                onOpenThread={setThread}
                filtersRef={inboxFilterRef}
                onError={handleError}
              />
            )}
          </main>
        )}
        {!covered && view === "queues" && (
          <main className="ops-pane">
            <QueuesScreen
              session={session}
              filter={queue}
              sort={queueSort}
              onFilter={setQueue}
              onSort={setQueueSort}
              onOpenPatient={openFromQueue}
              onError={handleError}
            />
          </main>
        )}
        {!covered && view === "directory" && (
          <main className="ops-pane">
            <DirectoryScreen session={session} filterRef={directoryFilterRef} onError={handleError} />
          </main>
        )}
        {!covered && view === "coverage" && (
          <main className="ops-pane">
            <CoverageScreen session={session} onError={handleError} />
          </main>
        )}
        {!covered && view === "audit" && allowed && (
          <main className="ops-pane">
            <AuditScreen session={session} subjectRef={auditSubjectRef} onError={handleError} />
          </main>
        )}
        <div className="workspace" hidden={covered || view !== "patients"}>
          <nav className="search-pane" aria-label="Patients on this device">
            <PatientSearch
              inputRef={searchRef}
              openId={openRequest?.id ?? null}
              onOpen={handleOpen}
              onError={handleError}
              onEmergencyAccess={openBreakGlass}
            />
          </nav>
          <main className="patient-pane">
            <PatientPanel
              request={openRequest}
              onError={handleError}
              updated={edited}
              active={!covered && view === "patients"}
              onOpenChart={openChart}
            />
          </main>
        </div>
        {breakGlass && <BreakGlass initialMrn={breakGlass.mrn} onClose={closeBreakGlass} onError={handleError} />}
        {help && (
          <ShortcutHelp
            scopes={helpScopes(covered ? (chartPlace?.page ?? null) : null, thread !== null, view)}
            onClose={() => setHelp(false)}
          />
        )}
      </div>
    </SyncProvider>
  );
}
