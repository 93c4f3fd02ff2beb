//! Throughput of the splitter + processor path on a realistic employees file.
//!
//! `cargo bench -p dic-core --bench pipeline` prints MiB/s per stage and for
//! the whole path; the target is 150 MB/s on one core.
//!
//! Time is the thread's CPU time where the system reports it (set
//! `DIC_BENCH_WALL=1` for wall time): the build machines are shared, and
//! wall time there measures the neighbours' load as much as this code.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion, Throughput};
use dic_core::catalog::Entity;
use dic_core::chunk::{ChunkLimits, ChunkMessage};
use dic_core::decode::decode;
use dic_core::dialect::sniff;
use dic_core::ids::{CompanyId, ImportId};
use dic_core::mapping::{suggested_mapping, Mapping};
use dic_core::prepare::{analyze, split};
use dic_core::sample::employees_csv;
use dic_core::table::{parse, Table};
use dic_core::template::ImportSettings;
use dic_core::validate::{RowOutcome, Validator};
use std::hint::black_box;
use std::time::Duration;

/// The allocator of the splitter and row-processor functions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The generated file's size: 10 MB, just under the 10 MiB upload limit
/// (about 71k rows of 13 columns).
const FILE_BYTES: usize = 10_000_000;
/// Mapping suggestions at or above this confidence are taken, as the UI does.
const MIN_CONFIDENCE: f32 = 0.5;

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
        &CompanyId::parse("acme").unwrap(),
        &ImportId::parse("imp-1").unwrap(),
        Entity::Employees,
        table,
        mapping,
        settings(),
        ChunkLimits::default(),
    )
    .expect("splittable")
}

/// Validates every row of one chunk; returns how many passed.
fn validate_chunk(chunk: &ChunkMessage) -> usize {
    let validator = Validator::new(&chunk.plan);
    chunk
        .rows
        .iter()
        .filter(|row| matches!(validator.validate_chunk_row(row), RowOutcome::Valid { .. }))
        .count()
}

/// Validates every row of every chunk; returns how many passed.
fn validate_all(chunks: &[ChunkMessage]) -> usize {
    chunks.iter().map(validate_chunk).sum()
}

/// Serializes every chunk as the splitter sends it; returns the bytes.
fn serialize_all(chunks: &[ChunkMessage]) -> usize {
    chunks.iter().map(|c| c.to_json().len()).sum()
}

/// Bytes → analysis → mapping → chunks → JSON and validated rows, a chunk
/// at a time, as the functions work: the splitter serializes the chunks a
/// batch at a time, and a row processor validates the chunk it has just
/// read. (Serializing every chunk, then validating every chunk, measured
/// about 3.5 ms more: the first chunks' cells are out of the cache by then.)
fn whole_path(bytes: &[u8]) -> (usize, usize) {
    let (table, mapping) = mapping_for(bytes);
    let chunks = split_table(table, &mapping);
    chunks.iter().fold((0, 0), |(json, valid), chunk| {
        (json + chunk.to_json().len(), valid + validate_chunk(chunk))
    })
}

/// CPU time of the calling thread.
struct CpuTime;

/// Nanoseconds this thread has run, from `CLOCK_THREAD_CPUTIME_ID`: exact
/// to the nanosecond, where `/proc/thread-self/schedstat` (read before) is
/// brought up to date only at scheduler ticks, 4 ms apart on some kernels.
#[cfg(unix)]
fn thread_cpu_ns() -> Option<u64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the whole call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    let secs = u64::try_from(now.tv_sec).ok()?;
    let nanos = u64::try_from(now.tv_nsec).ok()?;
    (status == 0).then(|| secs * 1_000_000_000 + nanos)
}

#[cfg(not(unix))]
fn thread_cpu_ns() -> Option<u64> {
    None
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
    // Text decoded from Windows-1252 or UTF-16 is owned, and parsed in
    // place; the clone is made outside the timing.
    group.bench_function("sniff_parse_owned", |b| {
        b.iter_batched(
            || text.clone(),
            |text| {
                let delimiter = sniff(&text);
                parse(text, delimiter).map(|t| t.rows.len())
            },
            BatchSize::LargeInput,
        )
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
    // The processor's side, not part of the target: read a message back.
    let messages: Vec<String> = chunks.iter().map(ChunkMessage::to_json).collect();
    group.bench_function("deserialize_chunks", |b| {
        b.iter(|| {
            messages
                .iter()
                .map(|m| {
                    ChunkMessage::from_json(m)
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
