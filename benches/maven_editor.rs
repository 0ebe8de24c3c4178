//! Benchmark placeholder (filled in by the editor issue).
fn main() {}
