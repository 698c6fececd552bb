//! Rendering `deploy/k8s/region/*.yaml` for each region and
//! `deploy/k8s/global/*.yaml` once: plain YAML with three placeholders,
//! `{{region}}`, `{{image}}` and (global) `{{static_ip}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::CONFIG_REGION;

/// What was rendered: the files of each group (a region, or `global`).
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub(crate) groups: BTreeMap<String, Vec<PathBuf>>,
}

impl Rendered {
    /// `kind/name` of every object, per group.
    pub(crate) fn summary(&self) -> BTreeMap<String, Vec<String>> {
        self.groups
            .iter()
            .map(|(group, files)| {
                let objects = files
                    .iter()
                    .map(|file| {
                        let text = std::fs::read_to_string(file).unwrap_or_default();
                        format!("{}/{}", field(&text, "kind:"), field(&text, "name:"))
                    })
                    .collect();
                (group.clone(), objects)
            })
            .collect()
    }

    pub(crate) fn all_files(&self) -> Vec<&PathBuf> {
        self.groups.values().flatten().collect()
    }
}

/// The first value of `key` in a YAML text (good enough for one object per
/// file, where `kind:` and `metadata.name:` come first).
pub(crate) fn field(text: &str, key: &str) -> String {
    text.lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix(key))
        .map(|value| value.trim().trim_matches('"').to_owned())
        .unwrap_or_default()
}

/// The values of the placeholders.
#[derive(Debug, Clone)]
pub(crate) struct Values<'a> {
    pub(crate) image: &'a str,
    /// The global entry's reserved address.
    pub(crate) static_ip: &'a str,
}

/// Substitutes the placeholders; fails on any other `{{…}}` left over.
pub(crate) fn substitute(
    template: &str,
    region: &str,
    values: &Values<'_>,
) -> Result<String, String> {
    let text = template
        .replace("{{region}}", region)
        .replace("{{image}}", values.image)
        .replace("{{static_ip}}", values.static_ip);
    match text.find("{{") {
        Some(at) => Err(format!(
            "unknown placeholder {}",
            text[at..].lines().next().unwrap_or_default()
        )),
        None => Ok(text),
    }
}

fn templates(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no templates in {}", dir.display()));
    }
    Ok(files)
}

fn render_group(
    templates: &[PathBuf],
    out: &Path,
    region: &str,
    values: &Values<'_>,
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    templates
        .iter()
        .map(|template| {
            let text = std::fs::read_to_string(template)
                .map_err(|e| format!("cannot read {}: {e}", template.display()))?;
            let rendered = substitute(&text, region, values)
                .map_err(|e| format!("{}: {e}", template.display()))?;
            let file = out.join(template.file_name().unwrap_or_default());
            std::fs::write(&file, rendered)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            Ok(file)
        })
        .collect()
}

/// Renders `regions` (each into `out/<region>/`) and, when the config
/// cluster's region is among them, the global entry into `out/global/`.
pub(crate) fn render_all(
    root: &Path,
    out: &Path,
    regions: &[&str],
    values: &Values<'_>,
) -> Result<Rendered, String> {
    let region_templates = templates(&root.join("deploy/k8s/region"))?;
    let mut rendered = Rendered::default();
    for region in regions {
        let files = render_group(&region_templates, &out.join(region), region, values)?;
        rendered.groups.insert((*region).to_owned(), files);
    }
    if regions.contains(&CONFIG_REGION) {
        let global_templates = templates(&root.join("deploy/k8s/global"))?;
        let files = render_group(
            &global_templates,
            &out.join("global"),
            CONFIG_REGION,
            values,
        )?;
        rendered.groups.insert("global".to_owned(), files);
    }
    Ok(rendered)
}
