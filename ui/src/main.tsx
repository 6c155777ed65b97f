import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// Tokens, then the shared styles, then (through App) each feature's own.
import "./tokens.css";
import "./styles.css";
import { App } from "./App";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
