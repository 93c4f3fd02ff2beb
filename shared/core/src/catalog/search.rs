//! Search-as-you-type over the catalog.
//!
//! Admins type fragments of what their file calls a column ("dob", "cell",
//! "last n"), so matching ignores case, spaces and punctuation, and ranks by
//! how plainly the typed text names a field: the label first, then the
//! synonyms, then where the field sits in the catalog.

use super::{Entity, Field};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchHit {
    pub field: &'static Field,
    /// Higher is better; hits come sorted by it. The value is the match tier:
    /// [`SearchHit::LABEL_PREFIX`] down to [`SearchHit::SUBSTRING`], or `0.0`
    /// for every field of an empty query.
    pub score: f32,
}

/// The match tiers, best first: the scores a hit can have.
impl SearchHit {
    /// The query starts the label ("last" → "Last Name").
    pub const LABEL_PREFIX: f32 = 5.0;
    /// The query starts a later word of the label ("name" → "Last Name").
    pub const LABEL_WORD: f32 = 4.0;
    /// The query starts a synonym or one of its words ("dob" → "Date of Birth").
    pub const SYNONYM: f32 = 3.0;
    /// The query starts a word of the category or subcategory ("address").
    pub const CATEGORY: f32 = 2.0;
    /// The query appears anywhere in the label, a synonym or the categories.
    pub const SUBSTRING: f32 = 1.0;
}

/// Fields whose label, synonyms, category or subcategory match `query`,
/// ranked, leaving out the field ids in `mapped`.
///
/// Ties keep catalog order, so the list stays stable as the admin types. An
/// empty query (or one of only punctuation) lists every unmapped field.
///
/// ```
/// use dic_core::catalog::{search, Entity};
///
/// let hits = search(Entity::Employees, "surname", &[]);
/// assert_eq!(hits[0].field.id, "last_name");
/// assert!(search(Entity::Employees, "surname", &["last_name"]).is_empty());
/// ```
pub fn search(entity: Entity, query: &str, mapped: &[&str]) -> Vec<SearchHit> {
    let query = compact(query);
    let unmapped = entity
        .fields()
        .iter()
        .filter(|field| !mapped.contains(&field.id));
    if query.is_empty() {
        return unmapped
            .map(|field| SearchHit { field, score: 0.0 })
            .collect();
    }
    let mut hits: Vec<SearchHit> = unmapped
        .filter_map(|field| {
            let score = score(field, &query);
            (score > 0.0).then_some(SearchHit { field, score })
        })
        .collect();
    // A stable sort keeps catalog order among equal scores.
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits
}

/// The best tier at which `field` matches the compacted `query`, or `0.0`.
fn score(field: &Field, query: &str) -> f32 {
    let label = words(field.label);
    if starts_at(&label, 0, query) {
        return SearchHit::LABEL_PREFIX;
    }
    if (1..label.len()).any(|i| starts_at(&label, i, query)) {
        return SearchHit::LABEL_WORD;
    }
    if field
        .synonyms
        .iter()
        .any(|synonym| starts_any_word(&words(synonym), query))
    {
        return SearchHit::SYNONYM;
    }
    if starts_any_word(&words(field.category), query)
        || starts_any_word(&words(field.subcategory), query)
    {
        return SearchHit::CATEGORY;
    }
    let anywhere = std::iter::once(field.label)
        .chain(field.synonyms.iter().copied())
        .chain([field.category, field.subcategory]);
    for text in anywhere {
        if compact(text).contains(query) {
            return SearchHit::SUBSTRING;
        }
    }
    0.0
}

/// Lower-cased runs of letters and digits: "E-mail Address" → ["e", "mail",
/// "address"].
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The words run together, so "last-name", "Last Name" and "lastname" agree.
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether the words from `start` on, run together, begin with `query`; a
/// query may so span words ("of bir" → "Date of Birth").
fn starts_at(words: &[String], start: usize, query: &str) -> bool {
    let mut rest = query;
    for word in &words[start..] {
        if word.len() >= rest.len() {
            return word.starts_with(rest);
        }
        match rest.strip_prefix(word.as_str()) {
            Some(tail) => rest = tail,
            None => return false,
        }
    }
    rest.is_empty()
}

fn starts_any_word(words: &[String], query: &str) -> bool {
    (0..words.len()).any(|i| starts_at(words, i, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(hits: &[SearchHit]) -> Vec<&'static str> {
        hits.iter().map(|hit| hit.field.id).collect()
    }

    fn hit(entity: Entity, query: &str, id: &str) -> SearchHit {
        *search(entity, query, &[])
            .iter()
            .find(|hit| hit.field.id == id)
            .unwrap_or_else(|| panic!("{query:?} does not find {id}"))
    }

    #[test]
    fn label_prefix_ranks_first() {
        let hits = search(Entity::Employees, "last", &[]);
        assert_eq!(hits[0].field.id, "last_name");
        assert_eq!(hits[0].score, SearchHit::LABEL_PREFIX);
        // Case, spaces and punctuation do not matter.
        for query in ["LAST NAME", "lastname", "last-n", "  Last_Na "] {
            let hits = search(Entity::Employees, query, &[]);
            assert_eq!(hits[0].field.id, "last_name", "{query:?}");
            assert_eq!(hits[0].score, SearchHit::LABEL_PREFIX, "{query:?}");
        }
        assert_eq!(
            hit(Entity::Employees, "e-mail", "email").score,
            SearchHit::LABEL_PREFIX
        );
    }

    #[test]
    fn word_prefix_in_label_ranks_second() {
        let hits = search(Entity::Employees, "name", &[]);
        assert_eq!(
            ids(&hits[..4]),
            ["first_name", "last_name", "middle_name", "preferred_name"]
        );
        assert!(hits[..4]
            .iter()
            .all(|hit| hit.score == SearchHit::LABEL_WORD));
        // "User Name", a synonym of Email, comes after the labels.
        assert_eq!(hits[4].field.id, "email");
        assert_eq!(hits[4].score, SearchHit::SYNONYM);
        // A query may span words.
        assert_eq!(
            hit(Entity::Employees, "of birth", "date_of_birth").score,
            SearchHit::LABEL_WORD
        );
    }

    #[test]
    fn label_prefix_outranks_label_word_regardless_of_catalog_order() {
        // Date of Birth comes after Hire Date in the catalog.
        let hits = search(Entity::Employees, "date", &[]);
        assert_eq!(
            ids(&hits),
            ["date_of_birth", "hire_date", "termination_date"]
        );
        assert_eq!(hits[0].score, SearchHit::LABEL_PREFIX);
        assert_eq!(hits[1].score, SearchHit::LABEL_WORD);
        assert_eq!(hits[2].score, SearchHit::LABEL_WORD);
    }

    #[test]
    fn synonyms_find_their_fields() {
        for (query, id) in [
            ("surname", "last_name"),
            ("dob", "date_of_birth"),
            ("cell", "mobile_phone"),
            ("given", "first_name"),
            ("dept", "department"),
        ] {
            let hits = search(Entity::Employees, query, &[]);
            assert_eq!(hits[0].field.id, id, "{query:?}");
            assert_eq!(hits[0].score, SearchHit::SYNONYM, "{query:?}");
        }
        // A later word of a synonym counts too: "Cost Center".
        assert_eq!(
            hit(Entity::Employees, "center", "department").score,
            SearchHit::SYNONYM
        );
    }

    #[test]
    fn categories_find_their_fields() {
        let hits = search(Entity::Employees, "address", &[]);
        // Email ranks by its synonym "Email Address", above the category.
        assert_eq!(
            ids(&hits),
            [
                "address_street",
                "email",
                "address_city",
                "address_state",
                "address_zip",
                "address_country"
            ]
        );
        assert_eq!(hits[0].score, SearchHit::LABEL_WORD);
        assert_eq!(hits[1].score, SearchHit::SYNONYM);
        assert!(hits[2..].iter().all(|hit| hit.score == SearchHit::CATEGORY));
        // Subcategories too: NPI, DEA and CAQH sit under "Registry".
        let hits = search(Entity::Providers, "registry", &[]);
        assert_eq!(ids(&hits), ["npi", "dea_number", "caqh_id"]);
        assert!(hits.iter().all(|hit| hit.score == SearchHit::CATEGORY));
    }

    #[test]
    fn substring_ranks_last() {
        let hits = search(Entity::Employees, "ail", &[]);
        assert_eq!(ids(&hits), ["email", "supervisor_email"]);
        assert!(hits.iter().all(|hit| hit.score == SearchHit::SUBSTRING));
        // "Username" holds "name" only inside a word.
        let hits = search(Entity::Enrollments, "name", &[]);
        assert_eq!(ids(&hits), ["employee_email"]);
        assert_eq!(hits[0].score, SearchHit::SUBSTRING);
    }

    #[test]
    fn ties_keep_catalog_order_and_scores_never_rise() {
        let hits = search(Entity::Providers, "e", &[]);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        let order = |id: &str| {
            Entity::Providers
                .fields()
                .iter()
                .position(|f| f.id == id)
                .unwrap()
        };
        for pair in hits.windows(2) {
            if pair[0].score == pair[1].score {
                assert!(order(pair[0].field.id) < order(pair[1].field.id));
            }
        }
    }

    #[test]
    fn mapped_fields_are_left_out() {
        let hits = search(Entity::Employees, "name", &["first_name", "email"]);
        assert_eq!(
            ids(&hits[..3]),
            ["last_name", "middle_name", "preferred_name"]
        );
        assert!(!ids(&hits).contains(&"first_name"));
        assert!(!ids(&hits).contains(&"email"));
    }

    #[test]
    fn empty_query_lists_every_unmapped_field_in_catalog_order() {
        let all: Vec<_> = Entity::Locations.fields().iter().map(|f| f.id).collect();
        assert_eq!(ids(&search(Entity::Locations, "", &[])), all);
        assert_eq!(ids(&search(Entity::Locations, " - ", &[])), all);
        let hits = search(Entity::Locations, "", &["location_code", "name"]);
        assert_eq!(ids(&hits), all[2..]);
        assert!(hits.iter().all(|hit| hit.score == 0.0));
    }

    #[test]
    fn nothing_found() {
        assert!(search(Entity::Employees, "xyzzy", &[]).is_empty());
        assert!(search(Entity::Locations, "npi number 2", &[]).is_empty());
        // A query longer than every label finds nothing rather than panics.
        assert!(search(Entity::Enrollments, &"a".repeat(500), &[]).is_empty());
    }

    #[test]
    fn non_ascii_queries_do_not_panic() {
        assert!(search(Entity::Employees, "Ñame ☃ 名", &[]).is_empty());
        assert!(search(Entity::Employees, "NÀME", &[]).is_empty());
    }
}
