import pkg from "../package.json";

/** The version compiled into the binary (a static import: no file is read at run time). */
export const VERSION: string = pkg.version;
