/** Types of packagedReadme.mjs (a build script, imported by its unit test). */
export function slug(heading: string): string;
export function packagedReadme(root: string): string;
