// Files bundled as text (see `rules` in wrangler.jsonc): the dashboard's chart library.
declare module '*.min.js' {
  const text: string;
  export default text;
}
declare module '*.min.css' {
  const text: string;
  export default text;
}
