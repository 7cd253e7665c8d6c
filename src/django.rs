//! Django: the static files step. collectstatic runs only when the gates hold ([`gates`]); the
//! helper script inspects the settings ([`helper`]); local storages collect into the
//! `staticfiles` layer ([`staticfiles`]), remote ones in copy mode on every build.

pub(crate) mod errors;
pub(crate) mod fsname;
pub(crate) mod gates;
pub(crate) mod helper;
pub(crate) mod launch_image;
pub(crate) mod settings;
pub(crate) mod static_root;
pub(crate) mod staticfiles;
pub(crate) mod uwsgi;

pub(crate) use errors::DjangoError;
use gates::{SkipReason, link_mode, locate_manage_py, skip_before_probe, skip_message};
use helper::Helper;
use libcnb::Env;
use settings::MANAGE_PY_ENV_VAR;
use static_root::static_root_in_app;
use std::path::{Path, PathBuf};
use uwsgi::log_collect_mode;

/// What the static files step did, for the steps after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StaticOutcome {
    /// collectstatic ran or its output was reused: static files are in place.
    Collected,
    Skipped,
}

/// The static files step: gates, inspection, then collectstatic into the staticfiles layer
/// (local storages) or in copy mode (remote storages). Warns when `bin/post_compile` would
/// run collectstatic again.
///
/// # Errors
/// [`DjangoError`] (inspection, STATIC_ROOT, collectstatic, layer I/O); libcnb layer errors.
pub(crate) fn collect_static_files(
    context: &libcnb::build::BuildContext<crate::PythonBuildpack>,
    env: &Env,
    venv: &Path,
) -> libcnb::Result<StaticOutcome, crate::BuildpackError> {
    let outcome = collect(context, env, venv)?;
    let hook = crate::hooks::Hook::PostCompile;
    if outcome == StaticOutcome::Collected
        && crate::hooks::runs_collectstatic(hook, &context.app_dir)
    {
        let (title, body) = crate::hooks::collectstatic_hook_warning(hook);
        crate::output::warning(title, body);
    }
    Ok(outcome)
}

fn collect(
    context: &libcnb::build::BuildContext<crate::PythonBuildpack>,
    env: &Env,
    venv: &Path,
) -> libcnb::Result<StaticOutcome, crate::BuildpackError> {
    if let Some(reason) = skip_before_probe(env, venv) {
        crate::output::info(skip_message(&reason));
        return Ok(StaticOutcome::Skipped);
    }
    let manage_py = match locate_manage_py(env, &context.app_dir)? {
        Ok(path) => path,
        Err(reason) => {
            crate::output::info(skip_message(&reason));
            return Ok(StaticOutcome::Skipped);
        }
    };
    let manage_dir = manage_py.parent().unwrap_or(&context.app_dir).to_path_buf();
    if manage_dir != context.app_dir {
        crate::output::info(format!(
            "Using {} ({MANAGE_PY_ENV_VAR})",
            manage_py
                .strip_prefix(&context.app_dir)
                .unwrap_or(&manage_py)
                .display()
        ));
    }
    let link = link_mode(env)?;
    // The step's time includes the inspection (a Django start-up and hashing every input).
    let started = std::time::Instant::now();
    let helper = Helper::write()?;
    let probe = helper.probe(env, &manage_dir)?;
    crate::output::done(
        &format!(
            "Inspected the Django settings and {} static inputs",
            probe.files.len()
        ),
        started,
    );
    if !probe.staticfiles_installed {
        crate::output::info(skip_message(&SkipReason::StaticfilesNotInstalled));
        return Ok(StaticOutcome::Skipped);
    }
    if probe.static_root.is_none() && probe.storage_is_local {
        Err(DjangoError::StaticRootUnset)?;
    }
    if !probe.unstable_settings.is_empty() {
        crate::output::info(format!(
            "Left out of the static files cache key (their values have no stable form): {}",
            probe.unstable_settings.join(", ")
        ));
    }
    let run = staticfiles::StaticRun {
        context,
        env,
        helper: &helper,
        probe: &probe,
        manage_dir: &manage_dir,
        link,
        started,
    };
    if !probe.storage_is_local {
        crate::output::info(format!(
            "The staticfiles storage {} doesn't write to the local filesystem, so collectstatic \
             copies instead of linking ('--link' can't symlink to a remote destination) and runs \
             on every build.",
            probe.storage_backend
        ));
        staticfiles::collect_remote(&run)?;
        return Ok(StaticOutcome::Collected);
    }
    let location = probe
        .storage_location
        .clone()
        .or_else(|| probe.static_root.as_ref().map(PathBuf::from))
        .unwrap_or_default();
    let static_root = static_root_in_app(&location, &manage_dir, &context.app_dir)?;
    let layers_root = context.layers_dir.parent().unwrap_or(&context.layers_dir);
    log_collect_mode(&context.app_dir, layers_root, &static_root, &probe, link);
    staticfiles::collect_into_layer(&run, &static_root)?;
    Ok(StaticOutcome::Collected)
}
