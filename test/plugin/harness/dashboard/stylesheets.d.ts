/** Stylesheets arrive as their text (the harness webpack config's asset/source rule). */
declare module '*.css' {
  const text: string;
  export default text;
}
