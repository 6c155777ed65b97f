import type { Role } from "../../bindings/Role";
import { rolesAbbreviation, rolesLabel } from "../../lib/format";

/**
 * The signed-in clinician's roles beside their name: short ("NP", "Care coord.") so the top bar
 * never cuts them, the full title on hover and for screen readers.
 */
export function ClinicianRoles({ roles }: { roles: readonly Role[] }) {
  const full = rolesLabel(roles);
  const short = rolesAbbreviation(roles);
  return (
    <span className="clinician-roles" data-testid="clinician-roles">
      {short === full ? (
        full
      ) : (
        <>
          <abbr title={full} aria-hidden="true">
            {short}
          </abbr>
          <span className="visually-hidden">{full}</span>
        </>
      )}
    </span>
  );
}
