//! Node.js: the front-end tools a Python web app may need. [`tools`] decides whether Node.js
//! is needed and which package manager installs the dependencies (from `package.json`, see
//! [`package_json`]); [`version`] and [`inventory`] choose the Node.js release; [`build`] runs
//! the steps (the `nodejs`, `npm-cache` and `node-deps` layers in [`layers`], then the
//! `package.json` build scripts).

pub(crate) mod build;
pub(crate) mod inventory;
pub(crate) mod package_json;
pub(crate) mod tools;
pub(crate) mod version;

/// The Node.js layers, one per file, named after the layer.
pub(crate) mod layers {
    pub(crate) mod node_deps;
    pub(crate) mod nodejs;
    pub(crate) mod npm_cache;
}
