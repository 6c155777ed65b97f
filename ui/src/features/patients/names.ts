/** "Family, Given" — how clinicians scan a list and read a banner. */
export function displayName(p: { family_name: string; given_name: string }): string {
  const family = p.family_name.trim();
  const given = p.given_name.trim();
  if (family && given) return `${family}, ${given}`;
  return family || given || "(no name)";
}
