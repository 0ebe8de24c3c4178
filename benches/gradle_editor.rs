//! Benchmark of the gradle.properties editor: one `set_properties` call (both keys present, one
//! value changed, one key appended) on files of 10k, 100k and 1M lines, to show the time for a
//! large file and that it grows linearly. Run: `cargo bench --bench gradle_editor`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nexus_token::gradle::set_properties;

/// A file of `lines` lines: comments, plain and escaped properties, a continued value, and the
/// Gradle credentials somewhere in the middle.
fn file(lines: usize) -> Vec<u8> {
    let mut out = String::with_capacity(lines * 40);
    for i in 0..lines {
        match i % 10 {
            0 => out.push_str(&format!("# section {i}\n")),
            1 => out.push_str(&format!("org.example.key{i} = value {i}\n")),
            2 => out.push_str(&format!("escaped\\ key{i}: caf\\u00e9 \\\n")),
            3 => out.push_str("    continued value\n"),
            _ if i == lines / 2 => out.push_str("nexusUsername=old-user\n"),
            _ => out.push_str(&format!("k{i}=v{i}\n")),
        }
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("gradle_set_properties");
    group.sample_size(10);
    for lines in [10_000usize, 100_000, 1_000_000] {
        let input = file(lines);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(lines), &input, |b, input| {
            b.iter(|| {
                let edit = set_properties(
                    Some(black_box(input)),
                    &[("nexusUsername", "tok-user"), ("nexusPassword", "tok-pass")],
                );
                black_box(edit)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
