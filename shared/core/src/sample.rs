//! Generated sample files, for the benchmark and for measuring imports end
//! to end (`dic sample`): realistic, deterministic, any size.

/// A deterministic 64-bit LCG (Knuth's MMIX constants): no `rand` needed and
/// the same file on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True `per_mille` times in a thousand.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "José",
    "Zoë",
    "Aaliyah",
    "Nguyen",
    "Chloé",
    "Mohammed",
    "O'Neil",
    "Anne-Marie",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "O'Brien",
    "Van der Berg",
    "Nuñez",
    "Kowalski",
    "Smith-Jones",
];
const STATUS: &[&str] = &[
    "Active",
    "Active",
    "Active",
    "Active",
    "active",
    "A",
    "Inactive",
    "On Leave",
    "LOA",
    "Terminated",
    "Term",
];
const TITLES: &[&str] = &[
    "Registered Nurse",
    "\"Nurse, RN\"",
    "Medical Assistant",
    "Physician",
    "\"Director, Clinical Operations\"",
    "Front Desk",
    "Billing Specialist",
    "Pharmacist",
    "\"Technician, Lab\"",
    "Care Coordinator",
];
const DEPARTMENTS: &[&str] = &[
    "Emergency",
    "Cardiology",
    "Pediatrics",
    "\"Radiology, Imaging\"",
    "Oncology",
    "Administration",
    "Billing",
    "Pharmacy",
];
const STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "Park Blvd",
];
const CITIES: &[&str] = &[
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Bristol",
    "Clinton",
    "Fairview",
    "Salem",
    "New York",
    "San José",
];
const STATES: &[&str] = &[
    "CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "ma", "Texas", "new york",
];
const DOMAINS: &[&str] = &[
    "clinic.org",
    "Health.example.com",
    "hospital.net",
    "care.io",
];

/// A ~10 MB employees CSV as an HR system exports it: mixed date and phone
/// styles, quoted fields with commas, IDs with leading zeros, a few percent
/// of bad values and a few duplicate emails.
pub fn employees_csv(max_bytes: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut rng = Lcg(0x5EED);
    let mut out = String::with_capacity(max_bytes + 1024);
    out.push_str(
        "Email Address,First Name,Last Name,Status,Employee ID,Job Title,Department,\
         Hire Date,Phone,Street,City,State,Zip\r\n",
    );
    // Stop a full row short of the budget: a row is well under 300 bytes.
    for i in 0.. {
        if out.len() + 300 > max_bytes {
            break;
        }
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        // Email: 1% invalid, 0.5% a duplicate of an earlier one.
        let email_n = if i > 10 && rng.chance(5) {
            rng.below(i)
        } else {
            i
        };
        let domain = rng.pick(DOMAINS);
        if rng.chance(10) {
            let _ = write!(out, "user{email_n}.{domain}");
        } else {
            let _ = write!(out, "User{email_n}@{domain}");
        }
        let _ = write!(out, ",{first},{last},");
        // Status: 1% not a choice.
        out.push_str(if rng.chance(10) {
            "Retired"
        } else {
            rng.pick(STATUS)
        });
        // Employee ID: six digits with leading zeros, 1% lost them.
        let id = rng.below(1_000_000);
        if rng.chance(10) {
            let _ = write!(out, ",{id}");
        } else {
            let _ = write!(out, ",{id:06}");
        }
        let _ = write!(out, ",{},{},", rng.pick(TITLES), rng.pick(DEPARTMENTS));
        // Hire date: ISO or US month-first; 1% impossible.
        let (y, m, d) = (1990 + rng.below(35), 1 + rng.below(12), 1 + rng.below(28));
        match rng.below(100) {
            0 => {
                let _ = write!(out, "02/30/{y}");
            }
            1..=49 => {
                let _ = write!(out, "{y}-{m:02}-{d:02}");
            }
            50..=79 => {
                let _ = write!(out, "{m:02}/{d:02}/{y}");
            }
            _ => {
                let _ = write!(out, "{m}/{d}/{y}");
            }
        }
        // Phone: several US styles; 1% too short; some blank.
        let (a, b, c) = (
            200 + rng.below(800),
            200 + rng.below(800),
            rng.below(10_000),
        );
        let _ = match rng.below(100) {
            0 => write!(out, ",555-{c:04}"),
            1..=5 => write!(out, ","),
            6..=30 => write!(out, ",({a}) {b}-{c:04}"),
            31..=55 => write!(out, ",{a}-{b}-{c:04}"),
            56..=70 => write!(out, ",{a}.{b}.{c:04}"),
            71..=85 => write!(out, ",+1 {a} {b} {c:04}"),
            _ => write!(out, ",{a}{b}{c:04}"),
        };
        // Street, sometimes with a quoted unit.
        let number = 1 + rng.below(9999);
        let street = rng.pick(STREETS);
        if rng.chance(200) {
            let _ = write!(out, ",\"{number} {street}, Apt {}\"", 1 + rng.below(40));
        } else {
            let _ = write!(out, ",{number} {street}");
        }
        let _ = write!(out, ",{},{}", rng.pick(CITIES), rng.pick(STATES));
        // Zip: five digits, some ZIP+4, 1% lost a leading zero.
        let zip = rng.below(100_000);
        let _ = match rng.below(100) {
            0 => write!(out, ",{}", zip % 10_000),
            1..=15 => write!(out, ",{zip:05}-{:04}", rng.below(10_000)),
            _ => write!(out, ",{zip:05}"),
        };
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Entity;
    use crate::prepare::analyze;

    #[test]
    fn the_sample_is_deterministic_within_its_size_and_reads_as_employees() {
        let bytes = employees_csv(50_000);
        assert!(
            bytes.len() <= 50_000 && bytes.len() > 40_000,
            "{}",
            bytes.len()
        );
        assert_eq!(bytes, employees_csv(50_000));
        let (analysis, _) = analyze(Entity::Employees, &bytes).unwrap();
        assert!(analysis.row_count > 200);
        assert_eq!(analysis.headers.names[0], "Email Address");
    }
}
