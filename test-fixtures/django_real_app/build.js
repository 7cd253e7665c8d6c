// The app's front-end build: bundles assets/src into assets/dist (listed in STATICFILES_DIRS).
// BUILD_INTO_STATIC_ROOT=1 makes it write into STATIC_ROOT instead, as some real builds do.
const fs = require("fs");
const path = require("path");

const source = fs.readFileSync(path.join(__dirname, "assets/src/app.js"), "utf8");
const banner = "/* built by build.js */\n";
const outDir = process.env.BUILD_INTO_STATIC_ROOT === "1"
  ? path.join(__dirname, "staticfiles/dist")
  : path.join(__dirname, "assets/dist");
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "app.js"), banner + source.trim() + "\n");
console.log(`wrote ${path.relative(__dirname, outDir)}/app.js`);
