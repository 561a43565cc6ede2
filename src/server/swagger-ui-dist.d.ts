// swagger-ui-dist ships no types. src/server/docs.ts imports these files `with { type: "file" }`: the module is then
// the file's path (a path inside the binary once compiled).
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
