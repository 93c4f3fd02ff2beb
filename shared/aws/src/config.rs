//! Where the resources are: names come from the environment the SAM template
//! sets, so the functions, the local host and the tests read them one way.

use std::env;

/// The environment variables every function gets; the SAM template's
/// `Globals` must declare exactly these (a test checks it).
pub const RESOURCE_VARS: [&str; 7] = [
    "DATA_BUCKET",
    "IMPORTS_TABLE",
    "RECORDS_TABLE",
    "TEMPLATES_TABLE",
    "FEEDS_TABLE",
    "CHUNK_QUEUE_URL",
    "SPLIT_QUEUE_URL",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    pub data_bucket: String,
    pub imports_table: String,
    pub records_table: String,
    pub templates_table: String,
    pub feeds_table: String,
    pub chunk_queue_url: String,
    /// New objects (S3 notifications) and started imports, for the splitter.
    pub split_queue_url: String,
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set: the SAM template sets it on every function; locally `dic dev` sets it")]
pub struct MissingVar(pub &'static str);

impl Resources {
    pub fn from_env() -> Result<Resources, MissingVar> {
        let var = |name: &'static str| env::var(name).map_err(|_| MissingVar(name));
        Ok(Resources {
            data_bucket: var(RESOURCE_VARS[0])?,
            imports_table: var(RESOURCE_VARS[1])?,
            records_table: var(RESOURCE_VARS[2])?,
            templates_table: var(RESOURCE_VARS[3])?,
            feeds_table: var(RESOURCE_VARS[4])?,
            chunk_queue_url: var(RESOURCE_VARS[5])?,
            split_queue_url: var(RESOURCE_VARS[6])?,
        })
    }

    /// The variables as `(name, value)` pairs, in [`RESOURCE_VARS`] order.
    pub fn vars(&self) -> [(&'static str, &str); 7] {
        [
            (RESOURCE_VARS[0], &self.data_bucket),
            (RESOURCE_VARS[1], &self.imports_table),
            (RESOURCE_VARS[2], &self.records_table),
            (RESOURCE_VARS[3], &self.templates_table),
            (RESOURCE_VARS[4], &self.feeds_table),
            (RESOURCE_VARS[5], &self.chunk_queue_url),
            (RESOURCE_VARS[6], &self.split_queue_url),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys under `Globals: Function: Environment: Variables:`, read by
    /// indentation (CloudFormation's `!Ref` tags defeat plain YAML parsers).
    fn template_globals(template: &str) -> Vec<String> {
        let mut path: Vec<(usize, String)> = Vec::new();
        let mut vars = Vec::new();
        for line in template.lines() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let Some((key, _)) = trimmed.split_once(':') else {
                continue;
            };
            path.retain(|(i, _)| *i < indent);
            let parents: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).collect();
            if parents == ["Globals", "Function", "Environment", "Variables"] {
                vars.push(key.to_string());
            }
            path.push((indent, key.to_string()));
        }
        vars
    }

    #[test]
    fn the_sam_template_gives_every_function_exactly_these_variables() {
        let template = include_str!("../../../infra/template.yaml");
        let mut declared = template_globals(template);
        declared.retain(|v| v != "RUST_LOG");
        assert_eq!(declared, RESOURCE_VARS);
    }
}
