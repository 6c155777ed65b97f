import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { installCore } from "../../test/fakeCore";
import { SESSION, searchFixtures } from "../../test/fixtures";
import { ClinicianRoles } from "./ClinicianRoles";

describe("the role beside the clinician's name", () => {
  it("is a clear abbreviation, the whole title on hover and for screen readers", () => {
    render(<ClinicianRoles roles={["care_coordinator"]} />);
    const roles = screen.getByTestId("clinician-roles");
    expect(screen.getByText("Care coord.")).toHaveAttribute("title", "Care coordinator");
    expect(screen.getByText("Care coord.")).toHaveAttribute("aria-hidden", "true");
    expect(roles).toHaveTextContent("Care coordinator");
  });

  it("abbreviates each of several roles", () => {
    render(<ClinicianRoles roles={["physician", "admin"]} />);
    expect(screen.getByTestId("clinician-roles").textContent).toBe("Physician, AdminPhysician, Administrator");
    expect(screen.getByText("Physician, Admin")).toHaveAttribute("title", "Physician, Administrator");
  });

  it("leaves a title that is short already as it is", () => {
    render(<ClinicianRoles roles={["physician"]} />);
    expect(screen.getByTestId("clinician-roles").textContent).toBe("Physician");
  });

  it("stands whole in the top bar", async () => {
    installCore({
      session: () => SESSION,
      search_patients: ({ query, limit }) => searchFixtures(String(query), Number(limit)),
    });
    render(<App />);
    const roles = await screen.findByTestId("clinician-roles");
    expect(roles).toHaveTextContent("Nurse practitioner");
    expect(screen.getByText("NP")).toHaveAttribute("title", "Nurse practitioner");
  });
});
