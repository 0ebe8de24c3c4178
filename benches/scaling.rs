//! Editor scaling, in process: the pure settings.xml and gradle.properties editors on files of
//! 1k, 10k and 100k servers (about 100 bytes each, so 100k is a 10 MB file) and 1k to 100k
//! property lines, with the targets at the end (the whole file must be read). Time only; the
//! peak memory of the same edits through the binary is measured by `scripts/bench`.
//! `cargo bench --bench scaling`; figures in docs/performance.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nexus_token::{gradle, maven};

/// A settings.xml with `n` servers; the two target ids come last.
fn settings_xml(n: usize) -> String {
    let mut s = String::with_capacity(n * 100 + 512);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<settings>\n  <servers>\n");
    for i in 0..n.saturating_sub(2) {
        let _ = write!(
            s,
            "    <server>\n      <id>srv-{i:07}</id>\n      <username>u{i:07}</username>\n      <password>p{i:07}</password>\n    </server>\n"
        );
    }
    for id in ["releases", "snapshots"] {
        let _ = write!(
            s,
            "    <server>\n      <id>{id}</id>\n      <username>oldName</username>\n      <password>oldPass</password>\n    </server>\n"
        );
    }
    s.push_str("  </servers>\n</settings>\n");
    s
}

/// A gradle.properties with `n` lines; the target keys come last.
fn gradle_properties(n: usize) -> String {
    let mut s = String::with_capacity(n * 40);
    for i in 0..n.saturating_sub(2) {
        let _ = writeln!(s, "org.example.key{i:07}=value number {i}");
    }
    s.push_str("nexusUsername=oldName\nnexusPassword=oldPass\n");
    s
}

const NAME: &str = "8I034iTW";
const PASS: &str = "EraLxqQei3DO9fjcTTAO9fvKU9t7EaliZIzjolDnAv37";

fn maven_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("maven_set_credentials");
    group.sample_size(10);
    let creds = maven::Credentials {
        username: NAME,
        password: PASS,
        password_is_encrypted: false,
    };
    for n in [1_000, 10_000, 100_000] {
        let input = settings_xml(n);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::new("servers", n), &input, |b, input| {
            b.iter(|| {
                let edit = maven::set_credentials(
                    Some(black_box(input.as_bytes())),
                    &["releases", "snapshots"],
                    &creds,
                )
                .unwrap();
                assert_eq!(edit.changed.len(), 2, "both target servers change");
                edit
            });
        });
    }
    group.finish();
}

fn gradle_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("gradle_set_properties");
    group.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let input = gradle_properties(n);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::new("lines", n), &input, |b, input| {
            b.iter(|| {
                let edit = gradle::set_properties(
                    Some(black_box(input.as_bytes())),
                    &[("nexusUsername", NAME), ("nexusPassword", PASS)],
                )
                .unwrap();
                assert_eq!(edit.changed.len(), 2, "both keys change");
                edit
            });
        });
    }
    group.finish();
}

criterion_group!(benches, maven_scaling, gradle_scaling);
criterion_main!(benches);
