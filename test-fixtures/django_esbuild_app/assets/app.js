// Entry point bundled by esbuild into static/dist/app.js; camelCase comes from node_modules.
import camelCase from "lodash.camelcase";

document.title = camelCase("assetpack bundle built");
