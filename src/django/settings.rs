//! The environment variables that configure the static files step (names only, so that the
//! gates, the error texts and the collect mode can all name them without importing each other).

/// `true` skips collectstatic.
pub(crate) const DISABLE_ENV_VAR: &str = "BP_DISABLE_COLLECTSTATIC";
/// The classic name of [`DISABLE_ENV_VAR`], still honoured.
pub(crate) const CLASSIC_DISABLE_ENV_VAR: &str = "DISABLE_COLLECTSTATIC";
/// `manage.py`'s path relative to the app directory, for apps that keep it in a subdirectory.
pub(crate) const MANAGE_PY_ENV_VAR: &str = "BP_DJANGO_MANAGE_PY";
/// `false` collects copies instead of links (`collectstatic` without `--link`).
pub(crate) const LINK_ENV_VAR: &str = "BP_COLLECTSTATIC_LINK";
