//! Benchmark of the settings.xml editor: editing the last of N servers in files of growing size
//! (1k, 10k, 20k and 100k servers, about 500 bytes a server, so 20k servers is about 10 MB).
//! Time per byte stays flat when the editor is linear. Run: `cargo bench --bench maven_editor`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nexus_token::maven::{Credentials, set_credentials};
use std::hint::black_box;

/// A settings file with `n` servers of about 500 bytes each.
fn settings(n: usize) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\">\n  <servers>\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "    <server>\n      <!-- server number {i}: a comment like the ones people keep about who owns it, when it was rotated and why -->\n      <filePermissions>664</filePermissions>\n      <directoryPermissions>775</directoryPermissions>\n      <id>server-{i}</id>\n      <username>user-{i}</username>\n      <password>{{COQLCE6DU6GtcS5P=}}&amp;pass-{i}</password>\n      <configuration>\n        <httpHeaders><property><name>X-Team</name><value>team-{i}</value></property></httpHeaders>\n        <timeout>120000</timeout>\n      </configuration>\n    </server>\n"
        ));
    }
    s.push_str("  </servers>\n</settings>\n");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let creds = Credentials {
        username: "tok-user",
        password: "tok-pass",
        password_is_encrypted: false,
    };
    let mut group = c.benchmark_group("maven_set_credentials");
    group.sample_size(10);
    for n in [1_000, 10_000, 20_000, 100_000] {
        let input = settings(n);
        let last = format!("server-{}", n - 1);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("edit_last_server", n),
            &input,
            |b, input| b.iter(|| set_credentials(Some(black_box(input)), &[last.as_str()], &creds)),
        );
        group.bench_with_input(
            BenchmarkId::new("insert_new_server", n),
            &input,
            |b, input| b.iter(|| set_credentials(Some(black_box(input)), &["new-id"], &creds)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
