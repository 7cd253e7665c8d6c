//! Settings from project.toml: every `BP_*` variable works from the app's project.toml.
//!
//! ```toml
//! [[io.buildpacks.build.env]]
//! name = "BP_INSTALL_GROUPS"
//! value = "test"
//! ```
//!
//! Platforms turn `[[io.buildpacks.build.env]]` entries into platform environment variables
//! (`<platform>/env/<NAME>`), exactly like `pack build --env` (pack applies project.toml first,
//! then `--env-file` and `--env`, which win). Because buildpack.toml leaves `clear-env` false,
//! the lifecycle puts those variables into the buildpack's process environment, which is where
//! the build reads every setting (`Env::from_current()` in `main.rs`). The test bed's
//! `cnb-build.sh --env` writes the same `<platform>/env` files, so every integration test that
//! sets a `BP_*` variable exercises this path.

#[cfg(test)]
mod tests {
    /// `clear-env = true` would hide project.toml's (and `--env`'s) variables from the build.
    #[test]
    fn buildpack_toml_keeps_the_platform_env() {
        let descriptor: toml::Value = toml::from_str(include_str!("../buildpack.toml")).unwrap();
        let clear_env = descriptor["buildpack"]
            .get("clear-env")
            .and_then(toml::Value::as_bool);
        assert_ne!(
            clear_env,
            Some(true),
            "BP_* settings come from the platform env"
        );
    }
}
