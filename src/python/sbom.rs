//! CycloneDX 1.5 JSON SBOMs for the Python launch layers: the `python` layer (CPython with its
//! version and purl) and the `venv` layer (every installed distribution with name, version,
//! purl and license, read from its `*.dist-info/METADATA`). The lifecycle collects them into the
//! image's SBOM layer (`/layers/sbom/launch/<buildpack>/<layer>/sbom.cdx.json`).
//!
//! Format: <https://cyclonedx.org/docs/1.5/json/>; purls: <https://github.com/package-url/purl-spec>
//! (`pkg:pypi/<normalized name>@<version>`, `pkg:generic/cpython@<version>`); Buildpack API SBOM
//! files: <https://github.com/buildpacks/spec/blob/main/buildpack.md#bill-of-materials>.

use libcnb::data::sbom::SbomFormat;
use libcnb::sbom::Sbom;
use serde_json::{Value, json};
use std::path::Path;

/// One component of an SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) purl: String,
    /// An SPDX expression (`License-Expression`), else the `License` field's first line or the
    /// license classifiers; `None` when the metadata has none.
    pub(crate) license: Option<License>,
}

/// A license as the metadata states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum License {
    Expression(String),
    Name(String),
}

/// The SBOM document for `components`, with `kind` (`"library"` or `"application"`).
pub(crate) fn document(kind: &str, components: &[Component]) -> Value {
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": components.iter().map(|component| {
            let mut entry = json!({
                "type": kind,
                "name": component.name,
                "version": component.version,
                "purl": component.purl,
                "bom-ref": component.purl,
            });
            match &component.license {
                Some(License::Expression(expression)) => {
                    entry["licenses"] = json!([{ "expression": expression }]);
                }
                Some(License::Name(name)) => {
                    entry["licenses"] = json!([{ "license": { "name": name } }]);
                }
                None => {}
            }
            entry
        }).collect::<Vec<_>>(),
    })
}

/// The `python` layer's SBOM: CPython `version`.
pub(crate) fn python_sbom(version: &str) -> Sbom {
    let component = Component {
        name: "cpython".to_string(),
        version: version.to_string(),
        purl: format!("pkg:generic/cpython@{version}"),
        license: Some(License::Expression("PSF-2.0".to_string())),
    };
    to_sbom(&document("application", &[component]))
}

/// The `venv` layer's SBOM: every distribution installed in it, sorted by name.
pub(crate) fn venv_sbom(venv: &Path) -> Sbom {
    to_sbom(&document("library", &installed_distributions(venv)))
}

fn to_sbom(document: &Value) -> Sbom {
    Sbom::from_bytes(
        SbomFormat::CycloneDxJson,
        serde_json::to_vec_pretty(document).unwrap_or_default(),
    )
}

/// The distributions in `<venv>/lib/python*/site-packages/*.dist-info`, sorted by name.
pub(crate) fn installed_distributions(venv: &Path) -> Vec<Component> {
    let mut components = Vec::new();
    let Ok(libs) = std::fs::read_dir(venv.join("lib")) else {
        return components;
    };
    for lib in libs.filter_map(Result::ok) {
        let Ok(entries) = std::fs::read_dir(lib.path().join("site-packages")) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "dist-info") {
                continue;
            }
            if let Some(component) = std::fs::read_to_string(path.join("METADATA"))
                .ok()
                .and_then(|metadata| component_from_metadata(&metadata))
            {
                components.push(component);
            }
        }
    }
    components.sort_by_key(|component| component.name.to_lowercase());
    components.dedup();
    components
}

/// A component from a core metadata file (<https://packaging.python.org/en/latest/specifications/core-metadata/>):
/// the header fields before the first blank line.
pub(crate) fn component_from_metadata(metadata: &str) -> Option<Component> {
    let (mut name, mut version, mut expression, mut license, mut classifiers) =
        (None, None, None, None, Vec::new());
    for line in metadata.lines() {
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "Name" => name = Some(value.to_string()),
            "Version" => version = Some(value.to_string()),
            "License-Expression" if !value.is_empty() => expression = Some(value.to_string()),
            "License" if !value.is_empty() && !value.eq_ignore_ascii_case("UNKNOWN") => {
                license = Some(value.chars().take(200).collect::<String>());
            }
            "Classifier" => {
                if let Some(rest) = value.strip_prefix("License :: ") {
                    classifiers.push(rest.rsplit(" :: ").next().unwrap_or(rest).to_string());
                }
            }
            _ => {}
        }
    }
    let (name, version) = (name?, version?);
    let license = expression.map(License::Expression).or_else(|| {
        license
            .or_else(|| (!classifiers.is_empty()).then(|| classifiers.join(", ")))
            .map(License::Name)
    });
    Some(Component {
        purl: format!("pkg:pypi/{}@{version}", normalize(&name)),
        name,
        version,
        license,
    })
}

/// PEP 503 normalization (lowercase; runs of `-`, `_`, `.` become one `-`), as purl's pypi
/// type requires.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_version_and_license() {
        let django = component_from_metadata(
            "Metadata-Version: 2.4\nName: Django\nVersion: 5.2.19\nLicense-Expression: BSD-3-Clause\n\
             Classifier: License :: OSI Approved :: BSD License\n\nLicense: not a header\n",
        )
        .unwrap();
        assert_eq!(
            django,
            Component {
                name: "Django".into(),
                version: "5.2.19".into(),
                purl: "pkg:pypi/django@5.2.19".into(),
                license: Some(License::Expression("BSD-3-Clause".into())),
            }
        );
        let classified = component_from_metadata(
            "Name: zope.interface\nVersion: 7.0\nLicense: UNKNOWN\n\
             Classifier: License :: OSI Approved :: Zope Public License\n",
        )
        .unwrap();
        assert_eq!(classified.purl, "pkg:pypi/zope-interface@7.0");
        assert_eq!(
            classified.license,
            Some(License::Name("Zope Public License".into()))
        );
        assert_eq!(
            component_from_metadata("Name: x\nVersion: 1\n")
                .unwrap()
                .license,
            None
        );
        assert_eq!(component_from_metadata("Version: 1\n"), None);
    }

    #[test]
    fn lists_the_venv_and_writes_cyclonedx() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("lib/python3.13/site-packages");
        for (folder, metadata) in [
            (
                "flask-3.1.3.dist-info",
                "Name: Flask\nVersion: 3.1.3\nLicense-Expression: BSD-3-Clause\n",
            ),
            (
                "Typing_Extensions-4.0.dist-info",
                "Name: typing_extensions\nVersion: 4.0\n",
            ),
        ] {
            std::fs::create_dir_all(site.join(folder)).unwrap();
            std::fs::write(site.join(folder).join("METADATA"), metadata).unwrap();
        }
        std::fs::create_dir_all(site.join("flask")).unwrap();
        let components = installed_distributions(dir.path());
        assert_eq!(
            components
                .iter()
                .map(|c| c.purl.as_str())
                .collect::<Vec<_>>(),
            ["pkg:pypi/flask@3.1.3", "pkg:pypi/typing-extensions@4.0"]
        );
        let document = document("library", &components);
        assert_eq!(document["bomFormat"], "CycloneDX");
        assert_eq!(document["specVersion"], "1.5");
        assert_eq!(
            document["components"][0]["licenses"][0]["expression"],
            "BSD-3-Clause"
        );
        assert!(document["components"][1].get("licenses").is_none());
    }
}
