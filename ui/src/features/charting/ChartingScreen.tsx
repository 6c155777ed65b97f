import { useCallback, useEffect, useRef, useState } from "react";
import type { ComplaintCatalogEntry } from "../../bindings/ComplaintCatalogEntry";
import type { ContextSection } from "../../bindings/ContextSection";
import type { Page } from "../../bindings/Page";
import type { SectionConflict } from "../../bindings/SectionConflict";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { formatAge, sexLabel } from "../../lib/format";
import { complaints, saveSection, toIpcError, type IpcError } from "../../lib/ipc";
import { isModalOpen, isTypingTarget } from "../../lib/keyboard";
import { CHART_PAGE_SCOPES, KEYMAP, matches, type Shortcut } from "../../lib/keymap";
import { useLatest } from "../../lib/useLatest";
import { useVitalTrends } from "../charts/VitalTrends";
import { ReadFailed } from "../common/Notices";
import { KeyHints } from "../help/KeyHints";
import { displayName } from "../patients/names";
import { ConflictBanner, ConflictDialog } from "./conflicts";
import {
  PAGES,
  PAGE_TITLES,
  SECTION_PAGE,
  defaultMode,
  isSigned,
  mayCosign,
  modeLabel,
  pageIndex,
  sectionOf,
  serviceLineLabel,
} from "./model";
import { type OpenedChart } from "./open";
import { AssessmentPage } from "./pages/AssessmentPage";
import { ComplaintPage } from "./pages/ComplaintPage";
import { ContextPage } from "./pages/ContextPage";
import { HistoryPage } from "./pages/HistoryPage";
import { PlanPage } from "./pages/PlanPage";
import { ReviewPage } from "./pages/ReviewPage";
import { SystemsPage } from "./pages/SystemsPage";
import { VitalsPage, vitalsFormFrom } from "./pages/VitalsPage";
import { useEncounter } from "./useEncounter";
import "./charting.css";

interface Props {
  session: SessionInfo;
  opened: OpenedChart;
  /** Back to the patient. */
  onClose: () => void;
  onError?: ((error: IpcError) => void) | undefined;
  /** The page shown changed (the app keeps it, to open the visit at the same page after a lock). */
  onPage?: ((encounterId: string, page: Page) => void) | undefined;
}

/** The charting screen: one encounter, page by page. */
export function ChartingScreen({ session, opened: initial, onClose, onError, onPage }: Props) {
  const [opened, setOpened] = useState(initial);
  const [switching, setSwitching] = useState(false);
  const [switchError, setSwitchError] = useState<string | null>(null);

  // The service line is part of the visit's context: switching it (before a complaint is
  // chosen) saves the context and loads the other line's complaints.
  async function switchServiceLine(line: string, context: ContextSection) {
    if (switching) return;
    setSwitching(true);
    setSwitchError(null);
    try {
      const view = await saveSection(opened.view.encounter.id, {
        section: "context",
        ...context,
        mode: defaultMode(line),
        service_line: line,
      });
      const catalog = await complaints(line);
      setOpened({ ...opened, view, catalog, catalogError: null, page: "context" });
    } catch (caught) {
      const failure = toIpcError(caught);
      setSwitchError(`Could not switch: ${failure.message}`);
      onError?.(failure);
    } finally {
      setSwitching(false);
    }
  }

  return (
    <EncounterCharting
      key={`${opened.view.encounter.id}:${opened.view.encounter.service_line}`}
      session={session}
      opened={opened}
      onClose={onClose}
      onError={onError}
      onPage={onPage}
      onServiceLine={(line, context) => void switchServiceLine(line, context)}
      switching={switching}
      switchError={switchError}
    />
  );
}

interface ChartingProps extends Props {
  onServiceLine: (line: string, context: ContextSection) => void;
  switching: boolean;
  switchError: string | null;
}

const KEYS = KEYMAP.chart.shortcuts;

/** The keys of the page shown, for the footer's hints. */
function pageKeys(page: Page): Shortcut[] {
  const scope = CHART_PAGE_SCOPES[page];
  return scope ? Object.values<Shortcut>(KEYMAP[scope].shortcuts) : [];
}

function EncounterCharting({
  session,
  opened,
  onClose,
  onError,
  onPage,
  onServiceLine,
  switching,
  switchError,
}: ChartingProps) {
  const api = useEncounter(opened.view, onError);
  const trends = useVitalTrends(opened.view.encounter.patient_id);
  const { view, draft } = api;
  const encounter = view.encounter;
  const signed = isSigned(encounter.status);
  const locked = signed || opened.readOnly;
  const [page, setPage] = useState<Page>(opened.page);
  const shown: Page = locked ? "review" : page;
  const [catalog, setCatalog] = useState<ComplaintCatalogEntry[] | null>(opened.catalog);
  const [catalogError, setCatalogError] = useState<string | null>(opened.catalogError);
  const [vitalsForm, setVitalsForm] = useState(() => vitalsFormFrom(draft.vitals));
  const [vitalsEpoch, setVitalsEpoch] = useState(0);
  const [openConflict, setOpenConflict] = useState<SectionConflict | null>(null);
  const reviewAction = useRef<(() => void) | null>(null);
  const cosignAction = useRef<(() => void) | null>(null);
  // Co-signed on this device: the core keeps showing the note as waiting until the server has
  // the co-signature, so this says it was done (and waits to sync) meanwhile.
  const [cosignedHere, setCosignedHere] = useState<string | null>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const patient = view.patient;

  const goTo = useCallback(
    (next: Page) => {
      if (!locked) setPage(next);
    },
    [locked],
  );

  const step = useCallback(
    (delta: number) => {
      const next = PAGES[Math.max(0, Math.min(PAGES.length - 1, pageIndex(shown) + delta))];
      if (next) goTo(next);
    },
    [goTo, shown],
  );

  useEffect(() => {
    bodyRef.current?.scrollTo?.(0, 0);
  }, [shown]);

  const onPageRef = useLatest(onPage);
  useEffect(() => {
    onPageRef.current?.(encounter.id, shown);
  }, [encounter.id, shown, onPageRef]);

  const keys = useLatest({ shown, step, goTo, onClose });
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || isModalOpen()) return;
      const { shown, step, goTo, onClose } = keys.current;
      const mod = event.ctrlKey || event.metaKey;
      if (matches(KEYS.cosign, event)) {
        // Ctrl+Shift+Enter: co-sign, where the review offers it.
        const cosign = shown === "review" ? cosignAction.current : null;
        if (cosign) {
          event.preventDefault();
          cosign();
        }
        return;
      }
      if (matches(KEYS.next, event)) {
        event.preventDefault();
        if (shown === "review") reviewAction.current?.();
        else step(1);
        return;
      }
      if (event.altKey && !mod) {
        const digit = /^Digit([1-8])$/.exec(event.code)?.[1] ?? /^([1-8])$/.exec(event.key)?.[1];
        const target = digit && matches(KEYS.page, event) ? PAGES[Number(digit) - 1] : undefined;
        if (target) {
          event.preventDefault();
          goTo(target);
          return;
        }
        const back = matches(KEYS.back, event);
        if (back || matches(KEYS.forward, event)) {
          event.preventDefault();
          step(back ? -1 : 1);
          return;
        }
      }
      if (mod || event.altKey) return;
      // PageUp keeps its meaning inside a textarea or a select.
      const ownsPageUp = event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement;
      if (matches(KEYS.back, event) && !ownsPageUp) {
        event.preventDefault();
        step(-1);
        return;
      }
      if (matches(KEYS.close, event)) {
        event.preventDefault();
        if (isTypingTarget(event.target)) {
          // First Escape leaves the field (so single keys work again); the next one closes.
          (event.target as HTMLElement).blur();
          document.getElementById("page-title")?.focus({ preventScroll: true });
          return;
        }
        onClose();
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [keys]);

  async function retryCatalog() {
    setCatalogError(null);
    try {
      setCatalog(await complaints(encounter.service_line));
    } catch (caught) {
      const failure = toIpcError(caught);
      setCatalogError(failure.message);
      onError?.(failure);
    }
  }

  const nameOf = (id: string) => {
    if (id === session.practitioner.id) return session.practitioner.display_name;
    if (id === encounter.author_id && opened.authorName) return opened.authorName;
    return "another clinician";
  };

  // Waiting to sync while this device still has commands for the note the server has not taken;
  // once none are left and the note still waits, the co-signature did not land (it was refused).
  const cosignWaiting = cosignedHere !== null && view.unsynced > 0 ? cosignedHere : null;
  const canCosign = mayCosign(encounter, session.practitioner) && cosignWaiting === null;

  const pageConflicts = view.conflicts.filter((c) => shown === "review" || SECTION_PAGE[c.section] === shown);
  const conflictBanner = (
    <ConflictBanner conflicts={pageConflicts} merging={api.merging} onOpen={(c) => setOpenConflict(c)} />
  );

  const pageProps = { api, catalog, goTo, onError };
  let body;
  switch (shown) {
    case "context":
      body = (
        <ContextPage
          {...pageProps}
          onServiceLine={(line) => onServiceLine(line, draft.context)}
          switchingLine={switching}
          switchError={switchError}
        />
      );
      break;
    case "complaint":
      body = <ComplaintPage {...pageProps} />;
      break;
    case "history":
      body = <HistoryPage {...pageProps} />;
      break;
    case "systems":
      body = <SystemsPage {...pageProps} />;
      break;
    case "vitals":
      body = (
        <VitalsPage key={vitalsEpoch} {...pageProps} form={vitalsForm} setForm={setVitalsForm} trends={trends} />
      );
      break;
    case "assessment":
      body = <AssessmentPage {...pageProps} />;
      break;
    case "plan":
      body = <PlanPage {...pageProps} />;
      break;
    case "review":
      body = (
        <ReviewPage
          {...pageProps}
          readOnly={opened.readOnly}
          nameOf={nameOf}
          actionRef={reviewAction}
          cosignRef={cosignAction}
          conflicts={conflictBanner}
          me={session.practitioner.id}
          canCosign={canCosign}
          cosignWaiting={cosignWaiting}
          onCosigned={setCosignedHere}
        />
      );
      break;
  }

  const titleOf = (p: Page) => view.pages.find((s) => s.page === p)?.title ?? PAGE_TITLES[p];
  const nextPage = PAGES[pageIndex(shown) + 1];
  const age = formatAge(patient.birth_date);
  const refused = Object.keys(api.refusals).length > 0;
  const saveStatus = api.saving ? "Saving…" : refused ? "Not saved — see the page" : "Saved";

  return (
    <div className="charting" data-testid="charting" data-encounter={encounter.id}>
      <header className="charting-header">
        <div className="charting-patient">
          <h1 className="charting-name">{displayName(patient)}</h1>
          <span className="charting-facts">
            {age ? `${age} · ${sexLabel(patient.sex)}` : sexLabel(patient.sex)} · {modeLabel(draft.context.mode)} ·{" "}
            {serviceLineLabel(encounter.service_line)} · in {draft.context.state_of_care}
          </span>
          {patient.allergies.length > 0 && (
            <span className="charting-allergies">
              Allergies: {patient.allergies.map((a) => a.substance).join(", ")}
            </span>
          )}
        </div>
        <button type="button" className="button button-quiet button-small" onClick={onClose} aria-keyshortcuts="Escape">
          Close <kbd>Esc</kbd>
        </button>
      </header>

      <nav className="progress" aria-label="Encounter pages">
        <ol>
          {PAGES.map((p, index) => {
            const complete = view.pages.find((s) => s.page === p)?.complete ?? false;
            const current = p === shown;
            return (
              <li key={p}>
                <button
                  type="button"
                  className={["step", complete ? "is-complete" : "", current ? "is-current" : ""].join(" ").trim()}
                  data-testid={`step-${p}`}
                  aria-current={current ? "step" : undefined}
                  aria-keyshortcuts={`Alt+${index + 1}`}
                  disabled={locked && !current}
                  onClick={() => goTo(p)}
                >
                  <span className="step-number" aria-hidden="true">
                    {complete ? "✓" : index + 1}
                  </span>
                  <span className="step-title">{titleOf(p)}</span>
                  {complete && <span className="visually-hidden"> (complete)</span>}
                </button>
              </li>
            );
          })}
        </ol>
      </nav>

      <div className="charting-body" ref={bodyRef}>
        <section className="charting-page" data-page={shown} aria-labelledby="page-title">
          {shown !== "review" && conflictBanner}
          {api.merging[shownSection(shown) ?? "context"] !== undefined && shown !== "review" && (
            <p className="merge-note">Editing a merge: your next change on this page settles the conflict.</p>
          )}
          {(shown === "complaint" || shown === "history" || shown === "systems") && catalogError && (
            <ReadFailed what="The complaint list" message={catalogError} onRetry={() => void retryCatalog()} />
          )}
          {body}
          {nextPage && !locked && (
            <div className="page-next">
              <button
                type="button"
                className="button button-primary"
                data-testid="next-page"
                aria-keyshortcuts="Control+Enter"
                onClick={() => step(1)}
              >
                Next: {titleOf(nextPage)}
              </button>
              <span className="key-hint">
                <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
              </span>
            </div>
          )}
        </section>
      </div>

      <footer className="charting-footer">
        <KeyHints
          className="charting-hints"
          shortcuts={[
            !locked && { ...KEYS.next, does: shown === "review" ? "sign" : "next" },
            !locked && { ...KEYS.back, keys: ["PageUp"] },
            !locked && KEYS.page,
            signed && { ...KEYS.next, does: "save addendum" },
            signed && canCosign && KEYS.cosign,
            ...pageKeys(shown),
            { ...KEYS.close, does: "close" },
            KEYMAP.anywhere.shortcuts.help,
          ]}
        />
        {!locked && (
          <p className="save-status" role="status" data-testid="save-status">
            {saveStatus}
          </p>
        )}
      </footer>

      {openConflict && (
        <ConflictDialog
          conflict={openConflict}
          onClose={() => setOpenConflict(null)}
          onKeepTheirs={async () => {
            await api.settle(openConflict, null);
            if (openConflict.section === "vitals") setVitalsEpoch((n) => n + 1);
          }}
          onKeepMine={async () => {
            await api.settle(openConflict, openConflict.ours);
            if (openConflict.section === "vitals") setVitalsEpoch((n) => n + 1);
          }}
          onEditMerge={() => {
            api.startMerge(openConflict);
            if (openConflict.section === "vitals") {
              const ours = openConflict.ours;
              if (ours.section === "vitals") setVitalsForm(vitalsFormFrom(sectionToVitals(ours)));
              setVitalsEpoch((n) => n + 1);
            }
            goTo(SECTION_PAGE[openConflict.section]);
          }}
          onError={onError}
        />
      )}
    </div>
  );
}

function shownSection(page: Page) {
  return (Object.keys(SECTION_PAGE) as Array<keyof typeof SECTION_PAGE>).find((k) => SECTION_PAGE[k] === page);
}

function sectionToVitals(section: Extract<ReturnType<typeof sectionOf>, { section: "vitals" }>) {
  const { section: _, ...vitals } = section;
  return vitals;
}
