//! Header → field mapping, and suggestions for it.

use crate::catalog::{Entity, Field, FieldType};
use crate::checksum::npi_is_valid;
use crate::headers::Headers;
use crate::row::SourceRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Header name (as trimmed) → field id. Unmapped headers are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mapping(pub BTreeMap<String, String>);

/// A mapping from `(header, field id)` pairs.
impl<H: Into<String>, F: Into<String>> FromIterator<(H, F)> for Mapping {
    fn from_iter<I: IntoIterator<Item = (H, F)>>(pairs: I) -> Mapping {
        Mapping(
            pairs
                .into_iter()
                .map(|(header, field)| (header.into(), field.into()))
                .collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{field:?} is not a {entity} field")]
    UnknownField { entity: Entity, field: String },
    #[error("{field:?} is mapped twice, from {first:?} and {second:?}: map each field from one column only")]
    MappedTwice {
        field: String,
        first: String,
        second: String,
    },
    #[error("mandatory {entity} fields are not mapped: {}", .fields.join(", "))]
    MissingMandatory { entity: Entity, fields: Vec<String> },
}

impl Mapping {
    /// Mandatory fields no header maps to, in catalog order.
    pub fn missing_mandatory(&self, entity: Entity) -> Vec<&'static Field> {
        entity
            .mandatory_fields()
            .filter(|f| !self.0.values().any(|id| id == f.id))
            .collect()
    }

    /// Unknown fields, fields mapped twice, missing mandatory fields.
    pub fn check(&self, entity: Entity) -> Result<(), MappingError> {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (header, field) in &self.0 {
            if entity.field(field).is_none() {
                return Err(MappingError::UnknownField {
                    entity,
                    field: field.clone(),
                });
            }
            if let Some(first) = seen.insert(field, header) {
                return Err(MappingError::MappedTwice {
                    field: field.clone(),
                    first: first.to_string(),
                    second: header.clone(),
                });
            }
        }
        let missing = self.missing_mandatory(entity);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MappingError::MissingMandatory {
                entity,
                fields: missing.iter().map(|f| f.label.to_string()).collect(),
            })
        }
    }
}

/// Why a header was matched to a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// Normalized header equals the field's label or id.
    Name,
    Synonym,
    /// Close in spelling (strsim).
    Similar,
    /// The column's values look like the field's type (emails, dates, NPIs).
    Values,
}

/// A proposed mapping for one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub column: usize,
    pub header: String,
    /// `None` when nothing fits well enough.
    pub field: Option<String>,
    /// 0.0 to 1.0.
    pub confidence: f32,
    pub reason: Option<MatchReason>,
}

/// One suggestion per column; a field is never suggested twice.
///
/// Every (column, field) pair is scored by name (exact, synonym, similar
/// spelling, shared words) and by the column's sample values; fields are
/// then handed out best score first, so a weaker column never takes a field
/// from a stronger one whatever the column order.
pub fn suggest(entity: Entity, headers: &Headers, sample: &[SourceRow]) -> Vec<Suggestion> {
    let fields: Vec<FieldNames> = entity.fields().iter().map(FieldNames::new).collect();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen: Vec<String> = Vec::with_capacity(headers.names.len());
    for (column, name) in headers.names.iter().enumerate() {
        let lower = name.trim().to_lowercase();
        // Blank and repeated headers cannot be keys of a mapping.
        let mappable = !lower.is_empty() && !seen.contains(&lower);
        seen.push(lower);
        if mappable {
            score_column(column, &Key::new(name), &fields, sample, &mut candidates);
        }
    }
    candidates.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.column.cmp(&b.column))
            .then(a.field.cmp(&b.field))
    });

    let mut suggestions: Vec<Suggestion> = headers
        .names
        .iter()
        .enumerate()
        .map(|(column, header)| Suggestion {
            column,
            header: header.clone(),
            field: None,
            confidence: 0.0,
            reason: None,
        })
        .collect();
    let mut taken = vec![false; fields.len()];
    for c in candidates {
        if c.confidence < MIN_CONFIDENCE {
            break;
        }
        let Some(slot) = suggestions.get_mut(c.column) else {
            continue;
        };
        if slot.field.is_some() || taken[c.field] {
            continue;
        }
        taken[c.field] = true;
        slot.field = Some(fields[c.field].field.id.to_string());
        slot.confidence = c.confidence;
        slot.reason = Some(c.reason);
    }
    suggestions
}

const NAME_CONFIDENCE: f32 = 1.0;
const SYNONYM_CONFIDENCE: f32 = 0.95;
/// Spelling matches stay below 0.9, under any exact name or synonym.
const SIMILAR_MIN: f32 = 0.6;
const SIMILAR_MAX: f32 = 0.88;
/// Combined string similarity (Jaro-Winkler and Damerau-Levenshtein averaged)
/// a typo must reach; Jaro-Winkler alone over-rewards shared prefixes
/// (`Employee Name` ~ `Employee ID`).
const SIMILAR_THRESHOLD: f64 = 0.85;
/// Shorter strings are too easily similar to count as typos.
const SIMILAR_MIN_CHARS: usize = 4;
/// A header whose words contain a field's whole name (`Home Phone`).
const WORDS_MIN: f32 = 0.55;
const WORDS_SPAN: f32 = 0.25;
const VALUES_CONFIDENCE: f32 = 0.6;
const DATE_VALUES_CONFIDENCE: f32 = 0.55;
/// Values that agree with a spelling match make it surer, up to this.
const VALUES_BOOST: f32 = 0.1;
const BOOSTED_MAX: f32 = 0.89;
/// An email field named outright whose column holds no email is doubtful.
const NO_EMAILS_FACTOR: f32 = 0.75;
/// Below this a column is left unmapped.
const MIN_CONFIDENCE: f32 = 0.5;

/// Words that do not change what a header names.
const NOISE_WORDS: &[&str] = &[
    "the", "a", "an", "of", "your", "field", "column", "col", "value",
];
/// Words naming whose value a header holds (`Employee First Name`): the rest
/// of the header is matched again without them, a little less surely.
const SUBJECT_WORDS: &[&str] = &[
    "employee", "emp", "provider", "staff", "worker", "person", "user", "member",
];
const SUBJECT_CONFIDENCE: f32 = 0.9;
/// Words that do not tell one date field from another.
const DATE_GENERIC_WORDS: &[&str] = &["date", "day", "on", "dt"];

/// A header or catalog name in the forms the matchers compare.
struct Key {
    /// Lower-case letters and digits only: `E-mail Address` → `emailaddress`.
    full: String,
    /// `full` without noise words (`The Email` → `email`).
    core: String,
    /// Lower-case words, noise words dropped; camelCase counts as two words.
    words: Vec<String>,
    /// `core` without a leading subject word, when there is one and more.
    subject_dropped: Option<String>,
}

impl Key {
    fn new(text: &str) -> Key {
        let mut full = String::new();
        let mut words = Vec::new();
        let mut word = String::new();
        let mut prev_lower = false;
        for c in text.chars() {
            if !c.is_alphanumeric() || (prev_lower && c.is_uppercase()) {
                push_word(&mut words, &mut word);
            }
            prev_lower = c.is_lowercase();
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    full.push(l);
                    word.push(l);
                }
            }
        }
        push_word(&mut words, &mut word);
        let core = if words.is_empty() {
            full.clone()
        } else {
            words.concat()
        };
        let subject_dropped = match words.split_first() {
            Some((first, rest)) if !rest.is_empty() && SUBJECT_WORDS.contains(&first.as_str()) => {
                Some(rest.concat())
            }
            _ => None,
        };
        Key {
            full,
            core,
            words,
            subject_dropped,
        }
    }

    fn same_as(&self, other: &Key) -> bool {
        !self.full.is_empty() && (self.full == other.full || self.core == other.core)
    }
}

fn push_word(words: &mut Vec<String>, word: &mut String) {
    if !word.is_empty() {
        if !NOISE_WORDS.contains(&word.as_str()) {
            words.push(word.clone());
        }
        word.clear();
    }
}

/// A field with its names prepared once per call.
struct FieldNames {
    field: &'static Field,
    /// Label and id first (`Name`), then synonyms.
    names: Vec<(Key, MatchReason)>,
}

impl FieldNames {
    fn new(field: &'static Field) -> FieldNames {
        let mut names = vec![
            (Key::new(field.label), MatchReason::Name),
            (Key::new(field.id), MatchReason::Name),
        ];
        names.extend(
            field
                .synonyms
                .iter()
                .map(|s| (Key::new(s), MatchReason::Synonym)),
        );
        FieldNames { field, names }
    }

    fn is_email(&self) -> bool {
        self.field.field_type == FieldType::Email
    }
}

struct Candidate {
    column: usize,
    /// Index into the entity's fields.
    field: usize,
    confidence: f32,
    reason: MatchReason,
}

/// What a column's sample values look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueKind {
    Email,
    Date,
    Npi,
}

struct ValueProfile {
    /// Every non-blank value is of this kind (and there is one at least).
    kind: Option<ValueKind>,
    /// Some value is non-blank and none is an email.
    no_emails: bool,
}

fn profile_values(column: usize, sample: &[SourceRow]) -> ValueProfile {
    let (mut filled, mut emails, mut dates, mut npis) = (0usize, 0usize, 0usize, 0usize);
    for row in sample {
        let value = row.cell(column).trim();
        if value.is_empty() {
            continue;
        }
        filled += 1;
        emails += usize::from(looks_like_email(value));
        dates += usize::from(looks_like_date(value));
        npis += usize::from(npi_is_valid(value));
    }
    let kind = if filled == 0 {
        None
    } else if npis == filled {
        Some(ValueKind::Npi)
    } else if dates == filled {
        Some(ValueKind::Date)
    } else if emails == filled {
        Some(ValueKind::Email)
    } else {
        None
    };
    ValueProfile {
        kind,
        no_emails: filled > 0 && emails == 0,
    }
}

/// One `@` with something before it and a dotted domain after, no spaces:
/// a sniff, not validation.
fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.contains(char::is_whitespace)
        && domain
            .split_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && !tld.is_empty() && !tld.ends_with('.'))
}

/// Three numbers joined by `-`, `/` or `.`, one of them a year
/// (`2024-01-31`, `1/31/2024`, `31.01.24`), optionally followed by a time.
fn looks_like_date(value: &str) -> bool {
    let date = value.split_once([' ', 'T']).map_or(value, |(d, _)| d);
    let Some(sep) = date.chars().find(|c| matches!(c, '-' | '/' | '.')) else {
        return false;
    };
    let parts: Vec<&str> = date.split(sep).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let long = parts.iter().filter(|p| p.len() == 4).count();
    let short = parts.iter().filter(|p| p.len() <= 2).count();
    (long == 1 && short == 2 && (parts[0].len() == 4 || parts[2].len() == 4))
        || (long == 0 && short == 3)
}

fn score_column(
    column: usize,
    header: &Key,
    fields: &[FieldNames],
    sample: &[SourceRow],
    out: &mut Vec<Candidate>,
) {
    let values = profile_values(column, sample);
    let start = out.len();
    let mut named = false;
    for (index, field) in fields.iter().enumerate() {
        let Some((mut confidence, reason)) = name_score(header, field) else {
            continue;
        };
        named |= reason != MatchReason::Similar;
        if reason == MatchReason::Similar && values.kind.is_some_and(|k| fits(k, field.field)) {
            confidence = (confidence + VALUES_BOOST).min(BOOSTED_MAX);
        }
        if field.is_email() && values.no_emails {
            // `Supervisor Name` full of names is not `Supervisor Email`;
            // an exact `Email` column full of something else stays likely.
            if reason == MatchReason::Similar {
                continue;
            }
            confidence *= NO_EMAILS_FACTOR;
        }
        out.push(Candidate {
            column,
            field: index,
            confidence,
            reason,
        });
    }
    // A header that names a field outright is that field's column or none:
    // a second `E-mail Address` column is neither a supervisor's email nor
    // an address.
    if named {
        let own = out.split_off(start);
        out.extend(own.into_iter().filter(|c| c.reason != MatchReason::Similar));
        return;
    }
    match values.kind {
        Some(ValueKind::Email) => {
            // The first email field still free wins: later ones score lower.
            let mut confidence = VALUES_CONFIDENCE;
            for (index, field) in fields.iter().enumerate() {
                if field.is_email() {
                    out.push(Candidate {
                        column,
                        field: index,
                        confidence,
                        reason: MatchReason::Values,
                    });
                    confidence -= 0.01;
                }
            }
        }
        Some(ValueKind::Npi) => {
            for (index, field) in fields.iter().enumerate() {
                if field.field.field_type == FieldType::Npi {
                    out.push(Candidate {
                        column,
                        field: index,
                        confidence: VALUES_CONFIDENCE,
                        reason: MatchReason::Values,
                    });
                }
            }
        }
        Some(ValueKind::Date) => {
            // Dates alone cannot tell a birth date from a hire date: only a
            // word of the header shared with a date field's names can.
            let hints: Vec<&String> = header
                .words
                .iter()
                .filter(|w| !DATE_GENERIC_WORDS.contains(&w.as_str()))
                .collect();
            for (index, field) in fields.iter().enumerate() {
                if field.field.field_type != FieldType::Date {
                    continue;
                }
                let hinted = field
                    .names
                    .iter()
                    .any(|(name, _)| name.words.iter().any(|w| hints.contains(&w)));
                if hinted {
                    out.push(Candidate {
                        column,
                        field: index,
                        confidence: DATE_VALUES_CONFIDENCE,
                        reason: MatchReason::Values,
                    });
                }
            }
        }
        None => {}
    }
}

fn fits(kind: ValueKind, field: &Field) -> bool {
    matches!(
        (kind, field.field_type),
        (ValueKind::Email, FieldType::Email)
            | (ValueKind::Date, FieldType::Date)
            | (ValueKind::Npi, FieldType::Npi)
    )
}

/// The best name match of a header to one field, if any.
fn name_score(header: &Key, field: &FieldNames) -> Option<(f32, MatchReason)> {
    let mut best: Option<(f32, MatchReason)> = None;
    for (name, reason) in &field.names {
        let scored = if header.same_as(name) {
            let confidence = match reason {
                MatchReason::Name => NAME_CONFIDENCE,
                _ => SYNONYM_CONFIDENCE,
            };
            Some((confidence, *reason))
        } else if header
            .subject_dropped
            .as_ref()
            .is_some_and(|rest| *rest == name.full || *rest == name.core)
        {
            Some((SUBJECT_CONFIDENCE, *reason))
        } else {
            similarity(header, name).map(|c| (c, MatchReason::Similar))
        };
        if let Some((confidence, reason)) = scored {
            if best.is_none_or(|(b, _)| confidence > b) {
                best = Some((confidence, reason));
            }
        }
    }
    best
}

/// Names of several words are typos of each other only word by word:
/// `Employee Name` is close in spelling to `Employee No` but names another
/// thing.
fn words_align(header: &Key, name: &Key) -> bool {
    if header.words.len() != name.words.len() || header.words.len() < 2 {
        return true;
    }
    header.words.iter().zip(&name.words).all(|(a, b)| {
        a == b
            || (a.chars().count() >= SIMILAR_MIN_CHARS
                && b.chars().count() >= SIMILAR_MIN_CHARS
                && string_similarity(a, b) >= SIMILAR_THRESHOLD)
    })
}

fn string_similarity(a: &str, b: &str) -> f64 {
    (strsim::jaro_winkler(a, b) + strsim::normalized_damerau_levenshtein(a, b)) / 2.0
}

/// A typo (`Frist Name`) or a header that contains a whole field name among
/// its words (`Home Phone`), scaled into `SIMILAR_MIN..SIMILAR_MAX`.
fn similarity(header: &Key, name: &Key) -> Option<f32> {
    let (a, b) = (header.core.as_str(), name.core.as_str());
    let mut best = None;
    if a.chars().count() >= SIMILAR_MIN_CHARS
        && b.chars().count() >= SIMILAR_MIN_CHARS
        && words_align(header, name)
    {
        let s = string_similarity(a, b);
        if s >= SIMILAR_THRESHOLD {
            let t = ((s - SIMILAR_THRESHOLD) / (1.0 - SIMILAR_THRESHOLD)) as f32;
            best = Some(SIMILAR_MIN + t * (SIMILAR_MAX - SIMILAR_MIN));
        }
    }
    let contained = !name.words.is_empty()
        && header.words.len() > name.words.len()
        && b.len() >= 3
        && name.words.iter().all(|w| header.words.contains(w));
    if contained {
        let ratio = b.chars().count() as f32 / a.chars().count().max(1) as f32;
        let c = WORDS_MIN + WORDS_SPAN * ratio.min(1.0);
        best = Some(best.map_or(c, |s: f32| s.max(c)));
    }
    best
}

/// The mapping made of the suggestions at or above `min_confidence`.
pub fn suggested_mapping(suggestions: &[Suggestion], min_confidence: f32) -> Mapping {
    suggestions
        .iter()
        .filter(|s| s.confidence >= min_confidence)
        .filter_map(|s| Some((s.header.clone(), s.field.clone()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::{Cells, RowNumber};

    fn headers(names: &[&str]) -> Headers {
        Headers {
            names: names.iter().map(|n| n.to_string()).collect(),
            problems: Vec::new(),
        }
    }

    fn rows(rows: &[&[&str]]) -> Vec<SourceRow> {
        rows.iter()
            .enumerate()
            .map(|(i, cells)| SourceRow {
                number: RowNumber(i as u32 + 2),
                cells: cells.iter().collect::<Cells>(),
            })
            .collect()
    }

    /// Header → suggested field id, for compact assertions.
    fn fields_of(entity: Entity, names: &[&str], sample: &[SourceRow]) -> Vec<Option<String>> {
        suggest(entity, &headers(names), sample)
            .into_iter()
            .map(|s| s.field)
            .collect()
    }

    fn some(ids: &[&str]) -> Vec<Option<String>> {
        ids.iter()
            .map(|id| (!id.is_empty()).then(|| id.to_string()))
            .collect()
    }

    fn one(entity: Entity, names: &[&str], sample: &[SourceRow], column: usize) -> Suggestion {
        suggest(entity, &headers(names), sample).remove(column)
    }

    #[test]
    fn normalized_names_keep_letters_and_digits_and_drop_noise_words() {
        let key = Key::new("E-mail Address");
        assert_eq!(key.full, "emailaddress");
        assert_eq!(key.words, ["e", "mail", "address"]);
        let key = Key::new("The Email");
        assert_eq!(
            (key.full.as_str(), key.core.as_str()),
            ("theemail", "email")
        );
        assert_eq!(Key::new("employeeStatus").words, ["employee", "status"]);
        assert_eq!(
            Key::new("Employee E-mail").subject_dropped.as_deref(),
            Some("email")
        );
        assert_eq!(Key::new("Employee").subject_dropped, None);
        assert_eq!(Key::new("Straße Nº 1").full, "straßenº1");
    }

    #[test]
    fn typical_admin_headers_map_to_the_right_fields() {
        let names = [
            "E-mail Address",
            "Surname",
            "First",
            "Status",
            "Emp ID",
            "DOB",
            "Zip",
            "Cell",
        ];
        assert_eq!(
            fields_of(Entity::Employees, &names, &[]),
            some(&[
                "email",
                "last_name",
                "first_name",
                "employee_status",
                "employee_id",
                "date_of_birth",
                "address_zip",
                "mobile_phone",
            ])
        );
        assert_eq!(
            fields_of(Entity::Employees, &["Username", "Given Name", "Last"], &[]),
            some(&["email", "first_name", "last_name"])
        );
        assert_eq!(
            fields_of(Entity::Providers, &["NPI Number", "Email"], &[]),
            some(&["npi", "email"])
        );
        assert_eq!(
            fields_of(Entity::Enrollments, &["Username", "Course", "Status"], &[]),
            some(&["employee_email", "course_code", "status"])
        );
    }

    #[test]
    fn exact_label_or_id_is_a_name_match() {
        let all = suggest(
            Entity::Employees,
            &headers(&["FIRST NAME", "employee_status", " Last-Name "]),
            &[],
        );
        for (s, id) in all
            .iter()
            .zip(["first_name", "employee_status", "last_name"])
        {
            assert_eq!(s.field.as_deref(), Some(id));
            assert_eq!(s.reason, Some(MatchReason::Name));
            assert_eq!(s.confidence, 1.0);
        }
    }

    #[test]
    fn synonym_match_is_slightly_less_sure_than_a_name() {
        let s = one(Entity::Employees, &["Badge Number"], &[], 0);
        assert_eq!(s.field.as_deref(), Some("employee_id"));
        assert_eq!(s.reason, Some(MatchReason::Synonym));
        assert_eq!(s.confidence, 0.95);
    }

    #[test]
    fn a_leading_subject_word_is_matched_without_it() {
        let names = [
            "Employee Email",
            "Employee First Name",
            "Staff Surname",
            "Employee ID",
        ];
        let all = suggest(Entity::Employees, &headers(&names), &[]);
        let got: Vec<_> = all
            .iter()
            .map(|s| (s.field.as_deref(), s.confidence, s.reason))
            .collect();
        assert_eq!(
            got,
            [
                (Some("email"), 0.9, Some(MatchReason::Name)),
                (Some("first_name"), 0.9, Some(MatchReason::Name)),
                (Some("last_name"), 0.9, Some(MatchReason::Synonym)),
                (Some("employee_id"), 1.0, Some(MatchReason::Name)),
            ]
        );
    }

    #[test]
    fn typos_and_headers_containing_a_field_name_are_similar_matches() {
        for (header, id) in [
            ("Frist Name", "first_name"),
            ("Emial", "email"),
            ("Employee Nmber", "employee_id"),
            ("Home Phone", "phone"),
            ("Department Name", "department"),
        ] {
            let s = one(Entity::Employees, &[header], &[], 0);
            assert_eq!(s.field.as_deref(), Some(id), "{header}");
            assert_eq!(s.reason, Some(MatchReason::Similar), "{header}");
            assert!(
                (0.5..0.9).contains(&s.confidence),
                "{header}: {}",
                s.confidence
            );
        }
    }

    #[test]
    fn close_spelling_of_a_different_word_is_no_match() {
        // `Employee Name` is one letter pair from the synonym `Employee No`.
        assert_eq!(
            fields_of(
                Entity::Employees,
                &["Employee Name", "Gender", "Notes"],
                &[]
            ),
            some(&["", "", ""])
        );
    }

    #[test]
    fn a_field_is_never_suggested_twice() {
        let sample = rows(&[&["a@x.org", "b@x.org"], &["c@x.org", "d@x.org"]]);
        // Both normalize to the label: the tie goes to the leftmost column.
        let all = suggest(Entity::Employees, &headers(&["E-mail", "Email"]), &sample);
        assert_eq!(all[0].field.as_deref(), Some("email"));
        assert_eq!(all[0].reason, Some(MatchReason::Name));
        assert_eq!(
            all[1].field, None,
            "a second e-mail column is not a supervisor"
        );
        let all = suggest(
            Entity::Employees,
            &headers(&["E-mail Address", "Email"]),
            &sample,
        );
        assert_eq!(all[0].field, None);
        assert_eq!(all[1].field.as_deref(), Some("email"));

        let all = suggest(
            Entity::Employees,
            &headers(&["Status", "Employment Status", "Emp Status"]),
            &[],
        );
        let mapped: Vec<_> = all.iter().filter_map(|s| s.field.as_deref()).collect();
        assert_eq!(mapped, ["employee_status"]);
    }

    #[test]
    fn blank_and_repeated_headers_get_no_field() {
        let all = suggest(
            Entity::Employees,
            &headers(&["", "Email", "EMAIL", "First Name"]),
            &[],
        );
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].field, None);
        assert_eq!(all[0].reason, None);
        assert_eq!(all[1].field.as_deref(), Some("email"));
        assert_eq!(all[2].field, None);
        assert_eq!(all[3].field.as_deref(), Some("first_name"));
        assert_eq!(all[3].column, 3);
        assert_eq!(all[3].header, "First Name");
    }

    #[test]
    fn emails_in_an_oddly_named_column_suggest_the_first_free_email_field() {
        let sample = rows(&[
            &["Ann", "ann@clinic.org", "boss@clinic.org"],
            &["Bo", " BO@Clinic.org ", ""],
        ]);
        let all = suggest(
            Entity::Employees,
            &headers(&["First Name", "Contact", "Other"]),
            &sample,
        );
        assert_eq!(all[1].field.as_deref(), Some("email"));
        assert_eq!(all[1].reason, Some(MatchReason::Values));
        assert!(all[1].confidence <= 0.6 && all[1].confidence > 0.5);
        assert_eq!(all[2].field.as_deref(), Some("supervisor_email"));
        assert_eq!(all[2].reason, Some(MatchReason::Values));

        // Names are not emails: no value match.
        assert_eq!(
            one(
                Entity::Employees,
                &["First Name", "Contact"],
                &sample[..1],
                0
            )
            .field
            .as_deref(),
            Some("first_name")
        );
        let names = rows(&[&["Ann Lee"], &["Bo Chen"]]);
        assert_eq!(one(Entity::Employees, &["Contact"], &names, 0).field, None);
        // Enrollments have one email field.
        assert_eq!(
            one(Entity::Enrollments, &["Contact"], &sample[..1], 0).field,
            None
        );
        let learner = rows(&[&["ann@clinic.org"]]);
        assert_eq!(
            one(Entity::Enrollments, &["Learner"], &learner, 0)
                .field
                .as_deref(),
            Some("employee_email")
        );
    }

    #[test]
    fn values_confirm_or_contradict_a_name_match() {
        let emails = rows(&[&["ann@clinic.org"], &["bo@clinic.org"]]);
        let names = rows(&[&["Ann Lee"], &["Bo Chen"]]);
        let plain = one(Entity::Employees, &["Emial"], &[], 0);
        let confirmed = one(Entity::Employees, &["Emial"], &emails, 0);
        assert_eq!(confirmed.field.as_deref(), Some("email"));
        assert!(confirmed.confidence > plain.confidence);
        assert!(confirmed.confidence < 0.9);

        // A spelling match to an email field is dropped when no value is one.
        assert_eq!(
            one(Entity::Employees, &["Supervisor Name"], &names, 0).field,
            None
        );
        assert_eq!(
            one(Entity::Employees, &["Supervisor Name"], &[], 0)
                .field
                .as_deref(),
            Some("supervisor_email")
        );
        // An exact name stays, less sure, and loses to a column of emails.
        let s = one(Entity::Employees, &["Email"], &names, 0);
        assert_eq!(s.field.as_deref(), Some("email"));
        assert!((s.confidence - 0.75).abs() < 1e-6);
        let both = rows(&[&["n/a", "ann@clinic.org"]]);
        assert_eq!(
            fields_of(Entity::Employees, &["Email", "Login"], &both),
            some(&["", "email"])
        );
    }

    #[test]
    fn valid_npis_suggest_the_npi_field() {
        let sample = rows(&[&["1234567893", "x"], &["", "y"], &[" 1234567893 ", "z"]]);
        let s = one(Entity::Providers, &["Identifier", "Other"], &sample, 0);
        assert_eq!(s.field.as_deref(), Some("npi"));
        assert_eq!(s.reason, Some(MatchReason::Values));
        assert!(s.confidence <= 0.6);
        // A failed check digit is not an NPI; employees have no NPI field.
        let bad = rows(&[&["1234567890"]]);
        assert_eq!(one(Entity::Providers, &["Identifier"], &bad, 0).field, None);
        assert_eq!(
            one(Entity::Employees, &["Identifier"], &sample, 0).field,
            None
        );
    }

    #[test]
    fn dates_suggest_a_date_field_only_with_a_hint_in_the_header() {
        let dates = rows(&[&["1990-02-28"], &["3/4/1985"], &["31.12.1970 00:00"]]);
        let s = one(Entity::Employees, &["Birth"], &dates, 0);
        assert_eq!(s.field.as_deref(), Some("date_of_birth"));
        assert_eq!(s.reason, Some(MatchReason::Values));
        assert!(s.confidence <= 0.6);
        assert_eq!(
            one(Entity::Employees, &["Hired On"], &dates, 0)
                .field
                .as_deref(),
            Some("hire_date")
        );
        assert_eq!(one(Entity::Employees, &["Date"], &dates, 0).field, None);
        assert_eq!(one(Entity::Employees, &["When"], &dates, 0).field, None);
        let text = rows(&[&["yes"]]);
        assert_eq!(one(Entity::Employees, &["Birth"], &text, 0).field, None);
    }

    #[test]
    fn value_sniffers() {
        for v in ["a@b.co", "first.last+tag@sub.clinic.org"] {
            assert!(looks_like_email(v), "{v}");
        }
        for v in [
            "a@b", "@b.co", "a b@c.co", "a@@b.co", "a@b.", "a@.co", "ab.co",
        ] {
            assert!(!looks_like_email(v), "{v}");
        }
        for v in [
            "2024-01-31",
            "1/31/2024",
            "31.01.24",
            "2024/1/2",
            "2024-01-31T10:00",
        ] {
            assert!(looks_like_date(v), "{v}");
        }
        for v in [
            "12345",
            "1-2",
            "2024-01-31-1",
            "1/2/12345",
            "a/b/c",
            "12/2024/1",
            "1.5",
        ] {
            assert!(!looks_like_date(v), "{v}");
        }
    }

    #[test]
    fn suggestions_make_a_mapping_that_passes_the_check() {
        let names = ["Email", "First Name", "Last Name", "Status", "Notes"];
        let all = suggest(Entity::Employees, &headers(&names), &[]);
        let mapping = suggested_mapping(&all, 0.5);
        assert_eq!(mapping.0.len(), 4);
        assert_eq!(
            mapping.0.get("Status").map(String::as_str),
            Some("employee_status")
        );
        assert_eq!(mapping.check(Entity::Employees), Ok(()));
    }

    #[test]
    fn missing_mandatory_lists_unmapped_mandatory_fields_in_catalog_order() {
        let m = Mapping::from_iter([("Surname", "last_name"), ("Dept", "department")]);
        let ids: Vec<_> = m
            .missing_mandatory(Entity::Employees)
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, ["email", "first_name", "employee_status"]);
        assert_eq!(
            m.check(Entity::Employees),
            Err(MappingError::MissingMandatory {
                entity: Entity::Employees,
                fields: vec![
                    "Email".to_string(),
                    "First Name".to_string(),
                    "Employee Status".to_string()
                ],
            })
        );
        let err = m.check(Entity::Employees).unwrap_err().to_string();
        assert_eq!(
            err,
            "mandatory employees fields are not mapped: Email, First Name, Employee Status"
        );
        let m = Mapping::from_iter([("User", "employee_email"), ("Course", "course_code")]);
        assert!(m.missing_mandatory(Entity::Enrollments).is_empty());
        assert_eq!(m.check(Entity::Enrollments), Ok(()));
    }

    #[test]
    fn check_rejects_unknown_fields_and_fields_mapped_twice() {
        let complete = [
            ("Email", "email"),
            ("First", "first_name"),
            ("Last", "last_name"),
            ("Status", "employee_status"),
        ];
        let mut m = Mapping::from_iter(complete);
        m.0.insert("NPI".into(), "npi".into());
        assert_eq!(
            m.check(Entity::Employees),
            Err(MappingError::UnknownField {
                entity: Entity::Employees,
                field: "npi".into()
            })
        );
        assert_eq!(m.check(Entity::Providers), Ok(()));

        let mut m = Mapping::from_iter(complete);
        m.0.insert("Login".into(), "email".into());
        assert_eq!(
            m.check(Entity::Employees),
            Err(MappingError::MappedTwice {
                field: "email".into(),
                first: "Email".into(),
                second: "Login".into()
            })
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn any_headers_get_one_suggestion_each_and_no_field_twice(
                names in prop::collection::vec(
                    prop_oneof![
                        prop::sample::select(vec![
                            "Email", "E-mail", "Username", "First", "Last Name", "Status",
                            "Emp ID", "DOB", "NPI", "Course", "", "Employee Email", "Phone 2",
                        ])
                        .prop_map(String::from),
                        "\\PC{0,12}",
                    ],
                    0..12,
                ),
                cells in prop::collection::vec("\\PC{0,12}", 0..12),
            ) {
                let sample = vec![SourceRow { number: RowNumber(2), cells: cells.iter().collect() }];
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                for entity in Entity::ALL {
                    let all = suggest(entity, &headers(&names), &sample);
                    prop_assert_eq!(all.len(), names.len());
                    for s in &all {
                        prop_assert!((0.0..=1.0).contains(&s.confidence));
                        prop_assert_eq!(s.field.is_some(), s.reason.is_some());
                        if let Some(id) = s.field.as_deref() {
                            prop_assert!(entity.field(id).is_some());
                        }
                    }
                    let mut ids: Vec<&str> = all.iter().filter_map(|s| s.field.as_deref()).collect();
                    let before = ids.len();
                    ids.sort_unstable();
                    ids.dedup();
                    prop_assert_eq!(before, ids.len());
                }
            }
        }
    }
}
