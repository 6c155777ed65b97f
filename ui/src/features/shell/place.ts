import type { Page } from "../../bindings/Page";
import type { QueueFilter } from "../../bindings/QueueFilter";
import type { QueueSort } from "../../bindings/QueueSort";
import type { InboxSelection } from "../threads/InboxScreen";
import type { InboxChoice } from "../threads/labels";
import type { View } from "./views";

/** An encounter open for charting, by id: opening it again reads its (autosaved) draft from the core. */
export interface ChartPlace {
  encounterId: string;
  readOnly: boolean;
  authorName: string | null;
  /** The page the clinician was on. */
  page: Page;
}

/**
 * Where the clinician was on the main screen: the lock unmounts it (no patient data stays on
 * screen) and unlocking opens the same place again. Kept in memory only: ids and choices, and the
 * replies not yet sent; charts, patients and threads are read again from the core. Other typing the
 * lock would lose (autosaves it refused, contact edits, addenda) is held in lib/heldWork.
 */
export interface Place {
  view: View;
  /** The patient open on the Patients screen. */
  patientId: string | null;
  /** The thread open over the inbox. */
  thread: string | null;
  /** The visit being charted, over the view. */
  chart: ChartPlace | null;
  queue: QueueFilter;
  queueSort: QueueSort;
  inboxChoice: InboxChoice;
  inboxSelection: InboxSelection;
  /** Replies being written, by thread (they live only here until sent). */
  replyDrafts: Readonly<Record<string, string>>;
}
