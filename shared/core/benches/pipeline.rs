//! Throughput of the splitter + processor path on a realistic employees file.
//!
//! `cargo bench -p dic-core --bench pipeline` prints MiB/s per stage and for
//! the whole path; the target is 150 MB/s on one core.
//!
//! Time is the thread's CPU time where Linux reports it (set
//! `DIC_BENCH_WALL=1` for wall time): the build machines are shared, and
//! wall time there measures the neighbours' load as much as this code.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion, Throughput};
use dic_core::catalog::Entity;
use dic_core::chunk::{ChunkLimits, ChunkMessage};
use dic_core::decode::decode;
use dic_core::dialect::sniff;
use dic_core::mapping::{suggested_mapping, Mapping};
use dic_core::prepare::{analyze, split};
use dic_core::table::{parse, Table};
use dic_core::template::ImportSettings;
use dic_core::validate::{RowOutcome, Validator};
use std::hint::black_box;
use std::time::Duration;

/// The generated file's size: 10 MB, just under the 10 MiB upload limit
/// (about 71k rows of 13 columns).
const FILE_BYTES: usize = 10_000_000;
/// Mapping suggestions at or above this confidence are taken, as the UI does.
const MIN_CONFIDENCE: f32 = 0.5;

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
fn employees_csv(max_bytes: usize) -> Vec<u8> {
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

fn settings() -> ImportSettings {
    ImportSettings::default()
}

fn mapping_for(bytes: &[u8]) -> (Table, Mapping) {
    let (analysis, table) = analyze(Entity::Employees, bytes).expect("analyzable");
    (
        table,
        suggested_mapping(&analysis.suggestions, MIN_CONFIDENCE),
    )
}

fn split_table(table: Table, mapping: &Mapping) -> Vec<ChunkMessage> {
    split(
        "acme",
        "imp-1",
        Entity::Employees,
        table,
        mapping,
        settings(),
        ChunkLimits::default(),
    )
    .expect("splittable")
}

/// Validates every row of every chunk; returns how many passed.
fn validate_all(chunks: &[ChunkMessage]) -> usize {
    let mut valid = 0;
    for chunk in chunks {
        let validator = Validator::new(&chunk.plan);
        for row in &chunk.rows {
            if let RowOutcome::Valid { .. } = validator.validate(&row.row, row.duplicate_of) {
                valid += 1;
            }
        }
    }
    valid
}

/// Serializes every chunk as the splitter sends it; returns the bytes.
fn serialize_all(chunks: &[ChunkMessage]) -> usize {
    chunks
        .iter()
        .map(|c| serde_json::to_string(c).expect("serializable").len())
        .sum()
}

/// Bytes → analysis → mapping → chunks → JSON and validated rows.
fn whole_path(bytes: &[u8]) -> (usize, usize) {
    let (table, mapping) = mapping_for(bytes);
    let chunks = split_table(table, &mapping);
    (serialize_all(&chunks), validate_all(&chunks))
}

/// CPU time of the calling thread, from the scheduler's own account.
struct CpuTime;

const SCHEDSTAT: &str = "/proc/thread-self/schedstat";

/// Nanoseconds this thread has run; the first field of `schedstat`.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string(SCHEDSTAT)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns().unwrap_or(0)
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().unwrap_or(0).saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, ns: &u64) -> f64 {
        *ns as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Like criterion's wall-time formatter: times in ms, bytes in MiB/s.
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical_ns < 1e3 {
            (1.0, "ns")
        } else if typical_ns < 1e6 {
            (1e-3, "µs")
        } else {
            (1e-6, "ms (cpu)")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        _typical_ns: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (amount, denominator, unit) = match *throughput {
            Throughput::Bytes(b) => (b as f64, 1024.0 * 1024.0, "MiB/s"),
            Throughput::BytesDecimal(b) => (b as f64, 1e6, "MB/s"),
            Throughput::Elements(e) => (e as f64, 1e3, "Kelem/s"),
            Throughput::Bits(b) => (b as f64, 1e6, "Mb/s"),
        };
        for v in values.iter_mut() {
            *v = amount * (1e9 / *v) / denominator;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn benches<M: Measurement>(c: &mut Criterion<M>, bytes: &[u8]) {
    let (table, mapping) = mapping_for(bytes);
    let chunks = split_table(table.clone(), &mapping);
    let text = decode(bytes).expect("decodable").text.into_owned();

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("whole_path", |b| b.iter(|| whole_path(black_box(bytes))));
    group.bench_function("decode", |b| {
        b.iter(|| decode(black_box(bytes)).map(|d| d.text.len()))
    });
    group.bench_function("sniff_parse", |b| {
        b.iter(|| parse(black_box(&text), sniff(&text)).map(|t| t.rows.len()))
    });
    group.bench_function("analyze", |b| {
        b.iter(|| analyze(Entity::Employees, black_box(bytes)).map(|(a, _)| a.row_count))
    });
    group.bench_function("split", |b| {
        b.iter_batched(
            || table.clone(),
            |t| split_table(t, &mapping).len(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("validate", |b| b.iter(|| validate_all(black_box(&chunks))));
    group.bench_function("serialize_chunks", |b| {
        b.iter(|| serialize_all(black_box(&chunks)))
    });
    // The processor's side, not part of the target: parse a message back.
    let messages: Vec<String> = chunks
        .iter()
        .map(|c| serde_json::to_string(c).expect("serializable"))
        .collect();
    group.bench_function("deserialize_chunks", |b| {
        b.iter(|| {
            messages
                .iter()
                .map(|m| {
                    serde_json::from_str::<ChunkMessage>(m)
                        .map(|c| c.rows.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Few, short samples: the whole run stays under two minutes.
fn config<M: Measurement>(c: Criterion<M>) -> Criterion<M> {
    c.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args()
}

fn main() {
    let bytes = employees_csv(FILE_BYTES);
    let (table, mapping) = mapping_for(&bytes);
    let rows = table.rows.len();
    let chunks = split_table(table, &mapping);
    let valid = validate_all(&chunks);
    println!(
        "employees file: {:.1} MB ({} bytes), {rows} rows, {} mapped columns, {} chunks, \
         {valid} valid rows ({} invalid)",
        bytes.len() as f64 / 1e6,
        bytes.len(),
        mapping.0.len(),
        chunks.len(),
        rows - valid,
    );
    let wall = std::env::var_os("DIC_BENCH_WALL").is_some() || thread_cpu_ns().is_none();
    println!(
        "timing: {}",
        if wall {
            "wall clock"
        } else {
            "thread CPU time"
        }
    );
    if wall {
        let mut c = config(Criterion::default().with_measurement(WallTime));
        benches(&mut c, &bytes);
        c.final_summary();
    } else {
        let mut c = config(Criterion::default().with_measurement(CpuTime));
        benches(&mut c, &bytes);
        c.final_summary();
    }
}
