//! The Nexus emulator for tests, benchmarks and `demo`. (Stub: filled in by the client issue.)
