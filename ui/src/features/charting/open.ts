import type { ComplaintCatalogEntry } from "../../bindings/ComplaintCatalogEntry";
import type { EncounterMode } from "../../bindings/EncounterMode";
import type { EncounterView } from "../../bindings/EncounterView";
import type { Page } from "../../bindings/Page";
import { complaints, getEncounter, startEncounter, toIpcError } from "../../lib/ipc";
import { isSigned } from "./model";

/** An encounter ready to chart: everything the pages need is in memory. */
export interface OpenedChart {
  view: EncounterView;
  /** The service line's complaints; null when they could not be read (catalogError says why). */
  catalog: ComplaintCatalogEntry[] | null;
  catalogError: string | null;
  /** Opened from the history: the review page only. */
  readOnly: boolean;
  /** The page to land on. */
  page: Page;
  /** The author's name as the chart lists it (addenda and signatures name practitioners by id). */
  authorName: string | null;
}

/**
 * Where charting starts: signed or read-only notes show the review; without a license for the
 * state of care the context page (so the licensure problem is seen); otherwise the first page
 * that still lacks something (a new visit: the chief complaint).
 */
export function landingPage(view: EncounterView, readOnly: boolean): Page {
  if (readOnly || isSigned(view.encounter.status)) return "review";
  if (!view.license.license) return "context";
  const needed: Page[] = ["complaint", "history", "systems", "assessment", "plan"];
  return needed.find((p) => view.pages.find((s) => s.page === p)?.complete === false) ?? "review";
}

async function loadCatalog(serviceLine: string): Promise<Pick<OpenedChart, "catalog" | "catalogError">> {
  try {
    return { catalog: await complaints(serviceLine), catalogError: null };
  } catch (caught) {
    return { catalog: null, catalogError: toIpcError(caught).message };
  }
}

/** Starts a visit. Called from a click, never from an effect: each call opens a new draft. */
export async function startVisit(patientId: string, serviceLine: string, mode: EncounterMode): Promise<OpenedChart> {
  const [view, catalog] = await Promise.all([startEncounter(patientId, serviceLine, mode), loadCatalog(serviceLine)]);
  return { view, ...catalog, readOnly: false, page: landingPage(view, false), authorName: null };
}

/** Opens an existing encounter: a draft to resume, or (readOnly) a past one to read. */
export async function openEncounter(
  encounterId: string,
  options: { readOnly: boolean; authorName?: string | null },
): Promise<OpenedChart> {
  const view = await getEncounter(encounterId);
  const locked = options.readOnly || isSigned(view.encounter.status);
  const catalog = locked ? { catalog: null, catalogError: null } : await loadCatalog(view.encounter.service_line);
  return {
    view,
    ...catalog,
    readOnly: options.readOnly,
    page: landingPage(view, options.readOnly),
    authorName: options.authorName ?? null,
  };
}
